package deploy

import (
	"strings"
	"testing"
	"time"
)

// runtimeNotStarted is /readyz's error while a process's runtime has not
// started its functions.
const runtimeNotStarted = "runtime not started"

// quietFor is how long a healthy process that is still not ready must stay
// so, once every other process is ready, to count as running no stream
// function (see waitStarted).
const quietFor = 2 * time.Second

// pollUntil calls cond every 20ms until it reports done or timeout passes,
// then fails the test with cond's last explanation.
func pollUntil(t *testing.T, timeout time.Duration, cond func() (done bool, why string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		done, why := cond()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done after %s: %s", timeout, why)
		}
		<-tick.C
	}
}

// waitStarted waits until every named process of the fleet serves
// /healthz and /readyz answers 200, and returns which ones are ready.
//
// A process whose runtime has no stream function never reports ready
// (runtime.Run only marks itself ready after starting functions; this is
// how the gateway behaves today). Such a process counts as started, not
// ready, once it has been healthy but "runtime not started" for quietFor
// while every other process is ready: registration precedes readiness, so
// by then a process that registers anything has done so.
func (f *fleet) waitStarted(names []string, timeout time.Duration) map[string]bool {
	t := f.t
	t.Helper()
	ready := map[string]bool{}
	healthySince := map[string]time.Time{}
	pollUntil(t, timeout, func() (bool, string) {
		var waiting []string
		for _, n := range names {
			p := f.proc(n)
			if !p.running() {
				t.Fatalf("%s exited while starting: %s", n, p.out.String())
			}
			if ready[n] {
				continue
			}
			if h := p.get("/healthz"); h.code != 200 {
				waiting = append(waiting, n+" /healthz "+h.String())
				continue
			}
			if _, ok := healthySince[n]; !ok {
				healthySince[n] = time.Now()
			}
			r := p.get("/readyz")
			if r.code == 200 {
				ready[n] = true
				continue
			}
			waiting = append(waiting, n+" /readyz "+r.String())
		}
		if len(waiting) == 0 {
			return true, ""
		}
		// Settle the never-ready processes once everything else is ready.
		for _, w := range waiting {
			n, _, _ := strings.Cut(w, " ")
			since, healthy := healthySince[n]
			if !healthy || !strings.Contains(w, runtimeNotStarted) || time.Since(since) < quietFor {
				return false, strings.Join(waiting, "; ")
			}
		}
		return true, ""
	})
	return ready
}
