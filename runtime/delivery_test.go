package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

func TestFanOutToTwoFunctions(t *testing.T) {
	rdb := srv.Client(t)
	stream := uniq("events:fanout")
	a, b := newCounter(), newCounter()
	fn := func(name string, c *counter) runtime.Function {
		return runtime.Function{Name: name, Streams: []string{stream}, Handler: c.handler(nil)}
	}
	start(t, rdb, testConfig(), fn(uniq("a"), a), fn(uniq("b"), b))
	for i := range 20 {
		publish(t, rdb, stream, "thing.created", eventID(i), map[string]int{"n": i})
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return a.distinct() == 20 && b.distinct() == 20 },
		"both functions see all 20 events (a=%d b=%d)", a.distinct(), b.distinct())
	if a.total() != 20 || b.total() != 20 {
		t.Fatalf("each event must run once per function: a=%d b=%d invocations", a.total(), b.total())
	}
}

func TestTwoInstancesShareTheWork(t *testing.T) {
	rdb, stream, name := fixture(t, "share")
	seen := newCounter()
	byInstance := [2]*counter{newCounter(), newCounter()}
	fn := func(i int) runtime.Function {
		return runtime.Function{Name: name, Streams: []string{stream}, Handler: runtime.HandlerFunc(
			func(ctx context.Context, m *runtime.Message) error {
				seen.inc(m.EventID)
				byInstance[i].inc(m.EventID)
				return nil
			})}
	}
	start(t, rdb, testConfig(), fn(0))
	cfg := testConfig()
	cfg.BatchSize = 10
	start(t, rdb, cfg, fn(1))
	const n = 2000
	for i := range n {
		publish(t, rdb, stream, "thing.created", eventID(i), map[string]int{"n": i})
	}
	redistest.Eventually(t, 20*time.Second, func() bool { return seen.distinct() == n }, "all %d events handled", n)
	if seen.total() != n {
		t.Fatalf("%d invocations for %d events: some event ran twice", seen.total(), n)
	}
	if byInstance[0].total() == 0 || byInstance[1].total() == 0 {
		t.Fatalf("work not shared: instance 0 ran %d, instance 1 ran %d", byInstance[0].total(), byInstance[1].total())
	}
	redistest.Eventually(t, 5*time.Second, func() bool { return pending(t, rdb, stream, name) == 0 }, "nothing pending")
}

func TestRetryThenSuccess(t *testing.T) {
	rdb, stream, name := fixture(t, "retry")
	type call struct {
		attempt int
		at      time.Time
	}
	calls := make(chan call, 10)
	cfg := testConfig()
	cfg.BackoffBase = 300 * time.Millisecond
	start(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}, MaxAttempts: 5,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			calls <- call{m.Attempt, time.Now()}
			if m.Attempt < 3 {
				return errors.New("flaky downstream")
			}
			m.Emit(stream+":out", map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
			return nil
		})})
	publish(t, rdb, stream, "thing.created", "r1", map[string]int{})
	var got []call
	for len(got) < 3 {
		select {
		case c := <-calls:
			got = append(got, c)
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d calls, want 3", len(got))
		}
	}
	for i, c := range got {
		if c.attempt != i+1 {
			t.Fatalf("call %d saw attempt %d, want %d", i, c.attempt, i+1)
		}
	}
	// Backoff: 300ms before attempt 2, 600ms before attempt 3.
	if d := got[1].at.Sub(got[0].at); d < 300*time.Millisecond {
		t.Errorf("attempt 2 came %v after attempt 1, before the 300ms backoff", d)
	}
	if d := got[2].at.Sub(got[1].at); d < 600*time.Millisecond {
		t.Errorf("attempt 3 came %v after attempt 2, before the 600ms backoff", d)
	}
	redistest.Eventually(t, 5*time.Second, func() bool { return xlen(t, rdb, stream+":out") == 1 }, "emitted once")
	if n := len(deadLetters(t, rdb, name)); n != 0 {
		t.Fatalf("%d dead letters after a successful retry", n)
	}
	if p := pending(t, rdb, stream, name); p != 0 {
		t.Fatalf("%d pending after the retry succeeded", p)
	}
}

func TestRetriesDoNotBlockLaterEvents(t *testing.T) {
	rdb, stream, name := fixture(t, "noblock")
	ok := newCounter()
	cfg := testConfig()
	cfg.BackoffBase = time.Hour // the failing event's retry is far away
	cfg.BackoffMax = time.Hour
	cfg.Concurrency = 1
	start(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream},
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			if m.EventID == "bad" {
				return errors.New("always fails")
			}
			ok.inc(m.EventID)
			return nil
		})})
	publish(t, rdb, stream, "t", "bad", map[string]int{})
	for i := range 10 {
		publish(t, rdb, stream, "t", eventID(i), map[string]int{})
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return ok.distinct() == 10 }, "events behind a failing one run")
}
