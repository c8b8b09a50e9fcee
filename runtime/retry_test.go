package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
)

// TestFailingKeyHoldsNoSlots (finding 3): with Concurrency 2 and a small
// read-ahead, 12 failing entries of one key wait for their retries parked,
// holding no worker and no slot: a healthy key's events behind them run
// at once, not after the failing key's backoff (over 7 s).
func TestFailingKeyHoldsNoSlots(t *testing.T) {
	rdb, stream, name := fixture(t, "slots")
	cfg := testConfig()
	cfg.BatchSize = 1 // 4 slots
	cfg.BackoffBase, cfg.BackoffMax = 200*time.Millisecond, time.Second
	ok := startSickKey(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}, Concurrency: 2, MaxAttempts: 3})
	for i := range 12 {
		xaddOfKey(t, rdb, stream, fmt.Sprintf("s%d", i), "sick")
	}
	began := time.Now()
	for i := range 5 {
		xaddOfKey(t, rdb, stream, eventID(i), "healthy")
	}
	redistest.Eventually(t, 2*time.Second, func() bool { return ok.distinct() == 5 }, "the healthy key's events run while the sick key waits")
	t.Logf("healthy key done %v after publishing", time.Since(began).Round(time.Millisecond))
}

// TestRetriesShareTheFunctionsConcurrency (suspected item): retry tasks
// run under the function's Concurrency together with its pool, not on top
// of it.
func TestRetriesShareTheFunctionsConcurrency(t *testing.T) {
	rdb, stream, name := fixture(t, "share2x")
	var now, peak atomic.Int32
	done := newCounter()
	start(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, Concurrency: 2,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			n := now.Add(1)
			defer now.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(50 * time.Millisecond)
			if m.Fields["flaky"] == "1" && m.Attempt == 1 {
				return errors.New("flaky")
			}
			done.inc(m.EventID)
			return nil
		})})
	for i := range 8 {
		xadd(t, rdb, stream, map[string]any{"type": "t", "event_id": fmt.Sprintf("f%d", i), "flaky": "1", "data": "{}"})
	}
	for i := range 60 { // ~1.5 s of work for the pool: the retries come due meanwhile
		publish(t, rdb, stream, "t", eventID(i), map[string]int{})
	}
	redistest.Eventually(t, 20*time.Second, func() bool { return done.distinct() == 68 }, "all events done")
	if p := peak.Load(); p > 2 {
		t.Fatalf("%d invocations at once with Concurrency 2", p)
	}
}

// archived returns the number of archived tasks of function's queue.
func archived(t *testing.T, rdb redis.UniversalClient, function string) int64 {
	t.Helper()
	n, err := rdb.ZCard(context.Background(), "asynq:{"+runtime.RetryQueue(function)+"}:archived").Result()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestArchivedTaskDoesNotSwallowAFailure (finding 6): an archived task
// keeps its id; a later failure of the same event, whose retry task has
// that id, is still retried and dead-lettered.
func TestArchivedTaskDoesNotSwallowAFailure(t *testing.T) {
	rdb, stream, name := fixture(t, "archived")
	c := asynq.NewClientFromRedisClient(rdb)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	queue := runtime.RetryQueue(name)
	if _, err := c.Enqueue(asynq.NewTask("retry:"+name, []byte("{}")), asynq.TaskID(name+":a1"), asynq.Queue(queue), asynq.ProcessIn(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := insp.ArchiveTask(queue, name+":a1"); err != nil {
		t.Fatal(err)
	}
	calls := startFailing(t, rdb, stream, name, 2, func(*runtime.Message) error { return errors.New("still failing") })
	publish(t, rdb, stream, "t", "a1", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return len(deadLetters(t, rdb, name)) == 1 }, "dead-lettered after its retry")
	if n := calls.get("a1"); n != 2 {
		t.Fatalf("ran %d times, want 2 (MAX_ATTEMPTS)", n)
	}
}

// quickShutdownConfig is testConfig with a short ShutdownTimeout (200ms),
// so that a shutdown cuts a hanging handler short at once.
func quickShutdownConfig() runtime.Config {
	cfg := testConfig()
	cfg.ShutdownTimeout = 200 * time.Millisecond
	return cfg
}

// TestReplayInterruptedByShutdownsIsNotLost (finding 5): a replay cut short
// by two shutdowns in a row uses no attempt and is not archived: its dead
// letter stays until the replay settles, and the replay succeeds once the
// handler is fixed.
func TestReplayInterruptedByShutdownsIsNotLost(t *testing.T) {
	rdb, stream, name := fixture(t, "replaystop")
	var mode atomic.Int32 // 0 fail, 1 hang until cancelled, 2 succeed
	entered := make(chan struct{}, 10)
	succeeded := newCounter()
	fn := runtime.Function{Name: name, Streams: []string{stream}, MaxAttempts: 1,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			switch mode.Load() {
			case 0:
				return runtime.Permanent(errors.New("broken"))
			case 1:
				entered <- struct{}{}
				<-ctx.Done()
				return ctx.Err()
			}
			succeeded.inc(m.EventID)
			return nil
		})}
	first := start(t, rdb, quickShutdownConfig(), fn)
	publish(t, rdb, stream, "t", "r1", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return len(deadLetters(t, rdb, name)) == 1 }, "dead letter")
	_ = first.stop()
	mode.Store(1)
	if err := inspect.Replay(context.Background(), rdb, deadLetters(t, rdb, name)[0]); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		in := start(t, rdb, quickShutdownConfig(), fn)
		select {
		case <-entered:
		case <-time.After(15 * time.Second):
			t.Fatalf("shutdown %d: the replay did not run", i+1)
		}
		_ = in.stop()
		if n := len(deadLetters(t, rdb, name)); n != 1 {
			t.Fatalf("after shutdown %d: %d dead letters, want the replayed one until its replay settles", i+1, n)
		}
		if n := archived(t, rdb, name); n != 0 {
			t.Fatalf("after shutdown %d: %d archived tasks", i+1, n)
		}
	}
	mode.Store(2)
	start(t, rdb, quickShutdownConfig(), fn)
	redistest.Eventually(t, 15*time.Second, func() bool { return succeeded.get("r1") == 1 && len(deadLetters(t, rdb, name)) == 0 },
		"the replay succeeds and its dead letter leaves the stream")
}

// TestRetryInterruptedByShutdownsUsesNoAttempt (finding 5, ordinary
// retries): a retry task cut short by three shutdowns in a row is not
// archived and uses no attempt: it then runs as attempt 2 and succeeds.
func TestRetryInterruptedByShutdownsUsesNoAttempt(t *testing.T) {
	rdb, stream, name := fixture(t, "retrystop")
	var hang atomic.Bool
	hang.Store(true)
	entered := make(chan int, 10)
	succeeded := make(chan int, 1)
	fn := runtime.Function{Name: name, Streams: []string{stream}, MaxAttempts: 2,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			if m.Attempt == 1 {
				return errors.New("first attempt fails")
			}
			if hang.Load() {
				entered <- m.Attempt
				<-ctx.Done()
				return ctx.Err()
			}
			succeeded <- m.Attempt
			return nil
		})}
	first := start(t, rdb, quickShutdownConfig(), fn)
	publish(t, rdb, stream, "t", "q1", map[string]int{})
	for i := range 3 {
		in := first
		if i > 0 {
			in = start(t, rdb, quickShutdownConfig(), fn)
		}
		select {
		case a := <-entered:
			if a != 2 {
				t.Fatalf("shutdown %d: the retry runs as attempt %d, want 2", i+1, a)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("shutdown %d: the retry did not run", i+1)
		}
		_ = in.stop()
		if n := archived(t, rdb, name); n != 0 {
			t.Fatalf("after shutdown %d: %d archived tasks", i+1, n)
		}
	}
	hang.Store(false)
	start(t, rdb, quickShutdownConfig(), fn)
	select {
	case a := <-succeeded:
		if a != 2 {
			t.Fatalf("succeeded as attempt %d, want 2: shutdowns used attempts", a)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the retry never succeeded")
	}
	if n := len(deadLetters(t, rdb, name)); n != 0 {
		t.Fatalf("%d dead letters", n)
	}
}
