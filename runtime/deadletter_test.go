package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/runtimetest"
)

func TestExhaustedRetriesGiveOneDeadLetter(t *testing.T) {
	rdb, stream, name := fixture(t, "exhaust")
	calls := startFailing(t, rdb, stream, name, 3, func(*runtime.Message) error { return errors.New("downstream is down") })
	fields := map[string]any{"type": "order.created", "event_id": "x1", "data": `{"id":"o1"}`, "entity_id": "o1", "extra": "kept"}
	entryID := xadd(t, rdb, stream, fields)
	redistest.Eventually(t, 15*time.Second, func() bool { return len(deadLetters(t, rdb, name)) == 1 }, "one dead letter")
	dls := deadLetters(t, rdb, name)
	dl := dls[0]
	want := map[string]string{"type": "order.created", "event_id": "x1", "data": `{"id":"o1"}`, "entity_id": "o1", "extra": "kept"}
	if diff := cmp.Diff(want, dl.Fields); diff != "" {
		t.Errorf("original fields (-want +got):\n%s", diff)
	}
	if dl.Function != name || dl.Stream != stream || dl.EntryID != entryID {
		t.Errorf("origin = %s %s %s, want %s %s %s", dl.Function, dl.Stream, dl.EntryID, name, stream, entryID)
	}
	if dl.Attempts != 3 || calls.get("x1") != 3 {
		t.Errorf("attempts recorded %d, handler ran %d times; want 3 and 3", dl.Attempts, calls.get("x1"))
	}
	if dl.Error != "downstream is down" || dl.Permanent {
		t.Errorf("error %q permanent=%v", dl.Error, dl.Permanent)
	}
	if dl.FirstFailure.IsZero() || !dl.LastFailure.After(dl.FirstFailure) {
		t.Errorf("failure times first=%v last=%v", dl.FirstFailure, dl.LastFailure)
	}
	if p := pending(t, rdb, stream, name); p != 0 {
		t.Errorf("%d pending after dead-lettering", p)
	}
	// No second dead letter turns up later.
	redistest.Eventually(t, 5*time.Second, func() bool {
		q, _ := rdb.ZCard(context.Background(), "asynq:{"+runtime.RetryQueue(name)+"}:retry").Result()
		s, _ := rdb.ZCard(context.Background(), "asynq:{"+runtime.RetryQueue(name)+"}:scheduled").Result()
		return q == 0 && s == 0
	}, "no retry left scheduled")
	if n := len(deadLetters(t, rdb, name)); n != 1 {
		t.Fatalf("%d dead letters, want exactly 1", n)
	}
}

func TestPermanentErrorIsDeadLetteredAtOnce(t *testing.T) {
	rdb, stream, name := fixture(t, "perm")
	calls := startFailing(t, rdb, stream, name, 5, func(m *runtime.Message) error {
		var v struct{ Qty int }
		if err := m.Decode(&v); err != nil {
			return err
		}
		return runtime.Permanent(errors.New("qty must be positive"))
	})
	publish(t, rdb, stream, "t", "p1", map[string]int{"qty": -1})
	redistest.Eventually(t, 10*time.Second, func() bool { return len(deadLetters(t, rdb, name)) == 1 }, "dead letter")
	dl := deadLetters(t, rdb, name)[0]
	if dl.Attempts != 1 || !dl.Permanent || dl.Error != "qty must be positive" {
		t.Fatalf("dead letter attempts=%d permanent=%v error=%q; want 1, true, the handler's error", dl.Attempts, dl.Permanent, dl.Error)
	}
	if calls.get("p1") != 1 {
		t.Fatalf("handler ran %d times, want 1", calls.get("p1"))
	}
}

func TestPanicIsRetriedThenDeadLettered(t *testing.T) {
	rdb, stream, name := fixture(t, "panic")
	calls := startFailing(t, rdb, stream, name, 2, func(*runtime.Message) error { panic("boom") })
	publish(t, rdb, stream, "t", "pn", map[string]int{})
	publish(t, rdb, stream, "t", "pn2", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return len(deadLetters(t, rdb, name)) == 2 }, "two dead letters")
	for _, dl := range deadLetters(t, rdb, name) {
		if dl.Attempts != 2 || dl.Error != "handler panic: boom" {
			t.Errorf("dead letter attempts=%d error=%q", dl.Attempts, dl.Error)
		}
	}
	if calls.get("pn") != 2 {
		t.Fatalf("panicking handler ran %d times, want 2 (retried once)", calls.get("pn"))
	}
}

func TestMalformedEntriesAreDeadLetteredAndLaterEventsRun(t *testing.T) {
	rdb, stream, name := fixture(t, "malformed")
	ok := startCounting(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, Concurrency: 1}, nil)
	cases := []struct {
		name   string
		fields map[string]any
		reason string
	}{
		{"missing type", map[string]any{"event_id": "m1", "data": "{}"}, "malformed event: missing field type"},
		{"missing event_id", map[string]any{"type": "t", "data": "{}"}, "malformed event: missing field event_id"},
		{"missing data", map[string]any{"type": "t", "event_id": "m3"}, "malformed event: missing field data"},
		{"data not JSON", map[string]any{"type": "t", "event_id": "m4", "data": "{not json"}, "malformed event: field data is not a JSON object"},
		{"data not an object", map[string]any{"type": "t", "event_id": "m5", "data": "[1,2]"}, "malformed event: field data is not a JSON object"},
	}
	for _, c := range cases {
		xadd(t, rdb, stream, c.fields)
	}
	publish(t, rdb, stream, "t", "good", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return ok.get("good") == 1 }, "the event behind the malformed ones runs")
	redistest.Eventually(t, 5*time.Second, func() bool { return len(deadLetters(t, rdb, name)) == len(cases) }, "all malformed dead-lettered")
	dls := deadLetters(t, rdb, name)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if dls[i].Error != c.reason || !dls[i].Permanent || dls[i].Attempts != 1 {
				t.Errorf("dead letter error=%q permanent=%v attempts=%d, want %q", dls[i].Error, dls[i].Permanent, dls[i].Attempts, c.reason)
			}
		})
	}
	if ok.total() != 1 {
		t.Fatalf("handler ran %d times; malformed entries must not reach it", ok.total())
	}
	if p := pending(t, rdb, stream, name); p != 0 {
		t.Fatalf("%d pending", p)
	}
}

func TestTypeFilter(t *testing.T) {
	rdb, stream, name := fixture(t, "filter")
	got := newCounter()
	start(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, Types: []string{"wanted"},
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error { got.inc(m.Type); return nil })})
	publish(t, rdb, stream, "other", "f1", map[string]int{})
	publish(t, rdb, stream, "wanted", "f2", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return got.get("wanted") == 1 && pending(t, rdb, stream, name) == 0 }, "wanted handled, other acked")
	if got.get("other") != 0 {
		t.Fatal("filtered type reached the handler")
	}
}

// TestReplayOfADeadLetterThatHasLeftTheStreamDoesNotRun: a replay task
// enqueued after an earlier replay of the same dead letter settled (by a
// replay that read the entry before, and whose claim expired while it
// stood still) is dropped: an event that fails again does not run twice
// for one dead letter, and its new dead letter stays alone.
func TestReplayOfADeadLetterThatHasLeftTheStreamDoesNotRun(t *testing.T) {
	rdb, stream, fn := fixture(t, "staleplay")
	calls := startFailing(t, rdb, stream, fn, 1, func(*runtime.Message) error { return errors.New("still broken") })
	publish(t, rdb, stream, "t", "stale-ev", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return len(deadLetters(t, rdb, fn)) == 1 }, "dead-lettered")
	stale := deadLetters(t, rdb, fn)[0]

	if err := inspect.Replay(context.Background(), rdb, stale); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 10*time.Second, func() bool {
		dls := deadLetters(t, rdb, fn)
		return len(dls) == 1 && dls[0].ID != stale.ID
	}, "the replay fails again: a new dead letter instead of the replayed one")
	runtimetest.WaitRetriesIdle(t, rdb, fn, 10*time.Second)
	again := deadLetters(t, rdb, fn)[0]
	if n := calls.get("stale-ev"); n != 2 {
		t.Fatalf("%d runs, want 2 (the first attempt, the replay)", n)
	}

	if err := inspect.Replay(context.Background(), rdb, stale); err != nil {
		t.Fatal(err)
	}
	runtimetest.WaitRetriesIdle(t, rdb, fn, 10*time.Second)
	if n := calls.get("stale-ev"); n != 2 {
		t.Fatalf("the replay of a dead letter already replayed ran: %d runs, want 2", n)
	}
	if dls := deadLetters(t, rdb, fn); len(dls) != 1 || dls[0].ID != again.ID {
		t.Fatalf("dead letters %v, want only %s", dls, again.ID)
	}
}
