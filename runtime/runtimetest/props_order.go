package runtimetest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// keyed publishes n events for each key, interleaved, and returns the ids
// per key in publish order and all of them.
func (s *scenario) keyed(keys []string, n int) (map[string][]string, []string) {
	perKey := map[string][]string{}
	var all []string
	for i := range n {
		for _, k := range keys {
			id := fmt.Sprintf("%s-%d", k, i)
			s.publish(id, k)
			perKey[k] = append(perKey[k], id)
			all = append(all, id)
		}
	}
	return perKey, all
}

func orderRetry(t *testing.T, tg Target) {
	s := newScenario(t, tg, "ORDERING_KEY=entity_id", "WORKER_FAIL=k1-1", "WORKER_FAIL_TIMES=2")
	perKey, all := s.keyed([]string{"k1", "k2", "k3"}, 5)
	s.start()
	s.eventually(30*time.Second, "every event committed", func() bool { return s.settled(all) })
	s.exactlyOnce(all)
	s.inOrder(perKey)
}

func orderCrash(t *testing.T, tg Target) {
	s := newScenario(t, tg, "ORDERING_KEY=entity_id", "WORKER_SLEEP=30ms")
	perKey, all := s.keyed([]string{"k1", "k2", "k3", "k4"}, 15)
	a := s.start()
	s.eventually(20*time.Second, "some events committed", func() bool { return len(s.outs()) >= 10 })
	if err := a.Kill(); err != nil {
		t.Fatal(err)
	}
	s.start()
	s.eventually(60*time.Second, "every event committed", func() bool { return s.settled(all) })
	s.exactlyOnce(all)
	s.inOrder(perKey)
}

func orderShutdownDuringRetry(t *testing.T, tg Target) {
	s := newScenario(t, tg, "ORDERING_KEY=entity_id", "WORKER_FAIL=k1-0", "WORKER_FAIL_TIMES=2",
		"RETRY_BACKOFF_BASE=1s", "RETRY_BACKOFF_MAX=1s")
	a := s.start()
	perKey, all := s.keyed([]string{"k1"}, 2)
	s.eventually(10*time.Second, "the head failed once", func() bool { return len(s.runs()) >= 1 })
	if _, err := a.Stop(15 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := s.outs(); len(got) > 0 {
		t.Fatalf("committed %v while the key's head was failing", got)
	}
	s.start()
	s.eventually(30*time.Second, "every event committed", func() bool { return s.settled(all) })
	s.exactlyOnce(all)
	s.inOrder(perKey)
}

func failingKeyHoldsOnlyItself(t *testing.T, tg Target) {
	var bad []string
	for i := range 12 {
		bad = append(bad, fmt.Sprintf("bad-%d", i))
	}
	// BATCH_SIZE=2: an instance holds max(4×2, 2×CONCURRENCY) = 8 entries
	// in flight, fewer than the failing key's backlog.
	s := newScenario(t, tg, "ORDERING_KEY=entity_id", "CONCURRENCY=2", "BATCH_SIZE=2", "MAX_ATTEMPTS=4",
		"RETRY_BACKOFF_BASE=2s", "RETRY_BACKOFF_MAX=2s", "WORKER_FAIL="+strings.Join(bad, ","))
	for _, id := range bad {
		s.publish(id, "bad")
	}
	s.start()
	s.eventually(10*time.Second, "the failing key's head failed once", func() bool { return len(s.runs()) >= 1 })
	good := s.publishN("good", "good", 5)
	began := time.Now()
	s.eventually(20*time.Second, "the healthy key's events committed", func() bool {
		c := s.outCounts()
		for _, id := range good {
			if c[id] == 0 {
				return false
			}
		}
		return true
	})
	if took := time.Since(began); took > 1500*time.Millisecond {
		t.Errorf("the healthy key waited %s behind the failing key (its backoff is 2 s)", took.Round(time.Millisecond))
	}
}
