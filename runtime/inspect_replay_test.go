package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

func TestReplayAfterTheFixRunsOnceAndLeavesTheStream(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn, stream := opstest.Unique("billing"), opstest.Unique("events:order")
	sw := opstest.NewSwitch()
	opstest.Start(t, rdb, opstest.Config(), runtime.Function{Name: fn, Streams: []string{stream}, MaxAttempts: 2, Handler: runtime.HandlerFunc(sw.Handle)})
	opstest.Publish(t, rdb, stream, "order.created", "o-ev-1", "o1", map[string]int{"qty": 1})
	dlID := opstest.WaitDead(t, rdb, fn, 1)[0]

	sw.Fix()
	var progress []int
	res, err := runtime.NewInspector(rdb).Replay(ctx, fn, runtime.Selection{IDs: []string{dlID}}, func(done, total int) { progress = append(progress, done, total) })
	if err != nil || res.Replayed != 1 || len(res.NotFound)+len(res.Skipped)+len(res.Failed) != 0 {
		t.Fatalf("replay: %+v, %v", res, err)
	}
	if len(progress) != 2 || progress[0] != 1 || progress[1] != 1 {
		t.Errorf("progress calls %v, want [1 1]", progress)
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return sw.Succeeded("o-ev-1") == 1 }, "replayed event runs")
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 0 {
		t.Fatalf("%d dead letters left after the replay", n)
	}

	t.Run("replaying the same entry again does nothing", func(t *testing.T) {
		res, err := runtime.NewInspector(rdb).Replay(ctx, fn, runtime.Selection{IDs: []string{dlID}}, nil)
		if err != nil || res.Replayed != 0 || len(res.NotFound) != 1 {
			t.Fatalf("second replay: %+v, %v; want the id not found", res, err)
		}
		waitRetryQueueEmpty(t, rdb, fn)
		if n := sw.Succeeded("o-ev-1"); n != 1 {
			t.Fatalf("event ran %d times, want once", n)
		}
	})
}

func TestReplayOfAnEventThatStillFailsReturnsWithOneMoreAttempt(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn, stream := opstest.Unique("inventory"), opstest.Unique("events:order")
	sw := opstest.NewSwitch()
	opstest.Start(t, rdb, opstest.Config(), runtime.Function{Name: fn, Streams: []string{stream}, MaxAttempts: 2, Handler: runtime.HandlerFunc(sw.Handle)})
	entry := opstest.Publish(t, rdb, stream, "order.created", "o-ev-2", "o2", map[string]int{"qty": 1})
	first := opstest.WaitDead(t, rdb, fn, 1)[0]

	res, err := runtime.NewInspector(rdb).Replay(ctx, fn, runtime.Selection{All: true}, nil)
	if err != nil || res.Replayed != 1 {
		t.Fatalf("replay: %+v, %v", res, err)
	}
	redistest.Eventually(t, 10*time.Second, func() bool {
		dls := opstest.DeadLetters(t, rdb, fn)
		return len(dls) == 1 && dls[0].ID != first
	}, "event back in the dead-letter stream")
	dl := opstest.DeadLetters(t, rdb, fn)[0]
	if dl.Attempts != 3 || dl.EntryID != entry || dl.Stream != stream || dl.Error != "downstream unavailable" {
		t.Fatalf("returned dead letter attempts=%d entry=%s stream=%s error=%q; want 3 attempts, the original entry",
			dl.Attempts, dl.EntryID, dl.Stream, dl.Error)
	}
}

func TestReplayClaimedByAnotherReplayIsSkipped(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("crm")
	id := opstest.Seed(t, rdb, fn, opstest.DeadLetter{Stream: "events:customer", EntryID: "1-1", Type: "customer.created",
		EventID: "c", Data: "{}", Error: "x", Attempts: 1, Failed: time.Now()})
	if err := rdb.Set(ctx, runtime.ReplayClaimKey(fn, id), "other operator", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	res, err := runtime.NewInspector(rdb).Replay(ctx, fn, runtime.Selection{IDs: []string{id}}, nil)
	if err != nil || res.Replayed != 0 || len(res.Skipped) != 1 {
		t.Fatalf("replay: %+v, %v; want skipped", res, err)
	}
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 1 {
		t.Fatalf("%d dead letters; a skipped entry stays", n)
	}
}

func TestReplayReportsMalformedAndUnknown(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("projector")
	bad, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: runtime.DeadLetterStream(fn), Values: map[string]any{"type": "t"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	res, err := runtime.NewInspector(rdb).Replay(ctx, fn, runtime.Selection{IDs: []string{bad}}, nil)
	if err != nil || len(res.Failed) != 1 || res.Replayed != 0 {
		t.Fatalf("replay of a malformed entry: %+v, %v", res, err)
	}
	if _, err := runtime.NewInspector(rdb).Replay(ctx, "nobody", runtime.Selection{All: true}, nil); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("replay of an unknown function: %v, want ErrNotFound", err)
	}
}

// waitRetryQueueEmpty waits until function's retry queue holds no task.
func waitRetryQueueEmpty(t *testing.T, rdb redis.UniversalClient, function string) {
	t.Helper()
	redistest.Eventually(t, 10*time.Second, func() bool {
		st, err := runtime.NewInspector(rdb).Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range st {
			if f.Name == function {
				return f.Retrying == 0
			}
		}
		return false
	}, "retry queue of %s empty", function)
}
