package runtimetest

import (
	"testing"
	"time"
)

// shutdownBound is what the runtime documents, a process exits within
// SHUTDOWN_TIMEOUT + 2 s of SIGTERM, for the suite's SHUTDOWN_TIMEOUT=1s,
// plus 500 ms for a loaded test machine.
const shutdownBound = time.Second + 2*time.Second + 500*time.Millisecond

// stopWithin sends SIGTERM and fails the test unless the process exits 0
// within shutdownBound.
func stopWithin(t *testing.T, p interface {
	Stop(time.Duration) (int, error)
}) time.Duration {
	t.Helper()
	began := time.Now()
	code, err := p.Stop(shutdownBound + 5*time.Second)
	took := time.Since(began)
	if err != nil {
		t.Fatalf("stop: %v (after %s)", err, took)
	}
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if took > shutdownBound {
		t.Errorf("exited %s after SIGTERM, want within %s", took.Round(time.Millisecond), shutdownBound)
	}
	return took
}

func shutdownHungHandler(t *testing.T, tg Target) {
	// Every worker hangs and a backlog waits behind them: shutdown must
	// not wait for the reader to hand the backlog over.
	s := newScenario(t, tg, "WORKER_HANG_ON=stuck-0,stuck-1,stuck-2,stuck-3", "SHUTDOWN_TIMEOUT=1s", "CONCURRENCY=4", "BATCH_SIZE=100")
	a := s.start()
	stuck := s.publishN("stuck", "", 4)
	ids := s.publishN("e", "", 500)
	s.eventually(10*time.Second, "the hung events run", func() bool { return len(s.runs()) >= 4 })
	took := stopWithin(t, a)
	t.Logf("exited %s after SIGTERM", took.Round(time.Millisecond))
	for _, id := range stuck {
		if s.outCounts()[id] != 0 {
			t.Errorf("the hung event %s was committed", id)
		}
	}
	// A new instance without the fault handles everything once.
	s.base = append(s.base, "WORKER_HANG_ON=")
	s.start()
	ids = append(ids, stuck...)
	s.eventually(30*time.Second, "every event committed by the next instance", func() bool { return s.settled(ids) })
	s.exactlyOnce(ids)
}

func shutdownRedisDown(t *testing.T, tg Target) {
	s := newScenario(t, tg, "WORKER_SLEEP=200ms", "SHUTDOWN_TIMEOUT=1s", "CONCURRENCY=8")
	a := s.start()
	ids := s.publishN("e", "", 100)
	s.eventually(10*time.Second, "work in flight", func() bool { return len(s.runs()) > 0 })
	if err := tg.Kill(); err != nil {
		t.Fatal(err)
	}
	took := stopWithin(t, a)
	t.Logf("exited %s after SIGTERM with Redis down", took.Round(time.Millisecond))
	if err := tg.Restart(); err != nil {
		t.Fatal(err)
	}
	s.start()
	s.eventually(60*time.Second, "every event committed once Redis is back", func() bool { return s.settled(ids) })
	s.exactlyOnce(ids)
}
