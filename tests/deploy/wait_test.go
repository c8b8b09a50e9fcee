package deploy

import (
	"strings"
	"testing"
	"time"
)

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

// waitReady waits until every named process of the fleet answers 200 on
// /healthz and on /readyz, as Kubernetes' probes expect. A process reports
// ready only after it registered its functions, so the registry is
// complete once this returns.
func (f *fleet) waitReady(names []string, timeout time.Duration) {
	t := f.t
	t.Helper()
	ready := map[string]bool{}
	pollUntil(t, timeout, func() (bool, string) {
		var waiting []string
		for _, n := range names {
			p := f.Proc(n)
			if !p.Alive() {
				t.Fatalf("%s exited while starting: %s", n, p.Output())
			}
			if ready[n] {
				continue
			}
			if h := get(p, "/healthz"); h.code != 200 {
				waiting = append(waiting, n+" /healthz "+h.String())
				continue
			}
			if r := get(p, "/readyz"); r.code != 200 {
				waiting = append(waiting, n+" /readyz "+r.String())
				continue
			}
			ready[n] = true
		}
		return len(waiting) == 0, strings.Join(waiting, "; ")
	})
}
