package runtimetest

import (
	"fmt"
	"testing"
	"time"
)

func poisonMalformed(t *testing.T, tg Target) {
	s := newScenario(t, tg)
	s.xadd(map[string]any{"event_id": "no-type", "data": "{}"})
	s.xadd(map[string]any{"type": "thing.happened", "data": "{}"})
	s.xadd(map[string]any{"type": "thing.happened", "event_id": "bad-data", "data": "not json"})
	s.xadd(map[string]any{"type": "thing.happened", "event_id": "array-data", "data": "[1]"})
	ids := s.publishN("e", "", 5)
	s.start()
	s.eventually(20*time.Second, "good events committed and the bad ones dead", func() bool {
		return s.settled(ids) && len(s.dead()) == 4
	})
	s.exactlyOnce(ids)
}

func poisonHuge(t *testing.T, tg Target) {
	s := newScenario(t, tg, "WORKER_PERMANENT=huge", "BATCH_SIZE=10")
	ids := s.publishN("a", "", 3)
	huge := map[string]any{"type": "thing.happened", "event_id": "huge", "data": "{}"}
	for i := range 5000 {
		huge[fmt.Sprintf("f%d", i)] = "v"
	}
	s.xadd(huge)
	ids = append(ids, s.publishN("b", "", 3)...)
	s.start()
	s.eventually(30*time.Second, "good events committed, the huge one dead", func() bool {
		return s.settled(ids) && len(s.dead()) >= 1
	})
	time.Sleep(500 * time.Millisecond) // a commit retried in a loop would show now
	s.exactlyOnce(ids)
	if d := s.dead(); len(d) != 1 || d[0] != "huge" {
		t.Errorf("dead letters %v, want exactly [huge]", d)
	}
}

func poisonCrash(t *testing.T, tg Target) {
	s := newScenario(t, tg, "WORKER_EXIT_ON=pill", "MAX_ATTEMPTS=2", "CLAIM_MIN_IDLE=1s", "CLAIM_INTERVAL=100ms")
	ids := s.publishN("a", "", 3)
	s.publish("pill", "")
	ids = append(ids, s.publishN("b", "", 3)...)
	deadline := time.Now().Add(60 * time.Second)
	restarts := 0
	for {
		p := s.startNoWait()
		s.eventually(30*time.Second, "the worker exits or everything settles", func() bool {
			return !p.Alive() || (len(s.dead()) == 1 && s.settled(ids))
		})
		if p.Alive() {
			break
		}
		restarts++
		if restarts > 6 || time.Now().After(deadline) {
			t.Fatalf("the process crashed %d times on the same event; want it dead-lettered after 2 deliveries", restarts)
		}
	}
	s.exactlyOnce(ids)
	if d := s.dead(); len(d) != 1 || d[0] != "pill" {
		t.Errorf("dead letters %v, want [pill]", d)
	}
	t.Logf("dead-lettered after %d crashes", restarts)
}

func poisonPermanent(t *testing.T, tg Target) {
	s := newScenario(t, tg, "WORKER_PERMANENT=bad", "MAX_ATTEMPTS=5")
	s.publish("bad", "")
	ids := s.publishN("e", "", 3)
	s.start()
	s.eventually(20*time.Second, "committed and dead-lettered", func() bool { return s.settled(ids) && len(s.dead()) == 1 })
	if n := s.runCounts()["bad"]; n != 1 {
		t.Errorf("a permanent failure ran %d times, want 1", n)
	}
}
