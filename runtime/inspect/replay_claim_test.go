package inspect_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redisfault"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops/opstest"
	"github.com/ordershop/functions/runtime/runtimetest"
)

// crashPoint is where in a replay a crashing client dies.
type crashPoint int

const (
	// afterClaim: the claim is written, then every command fails: the
	// task is never enqueued and the claim is never released.
	afterClaim crashPoint = iota
	// beforeKeepingTheClaim: the task is enqueued, then the command that
	// keeps the claim for ReplayClaimTTL, and every later one, fails.
	beforeKeepingTheClaim
)

// newCrashingClient returns a client to the test's Redis, closed when the
// test ends, that dies at at during a replay of function: from then on
// every command fails (redisfault.ErrDied), as when the process is killed
// or loses its connection.
func newCrashingClient(t *testing.T, function string, at crashPoint) (*redis.Client, *redisfault.Hook) {
	prefix := inspect.ReplayClaimKey(function, "")
	// claim is the condition of a SET of one of function's replay claims:
	// "nx" (the claim), "xx" (keeping it); "" for any other command.
	claim := func(cmd redis.Cmder) string {
		if s, ok := redisfault.SetOf(cmd); ok && strings.HasPrefix(s.Key, prefix) {
			return s.Cond
		}
		return ""
	}
	h := &redisfault.Hook{
		Before: func(_ context.Context, cmd redis.Cmder) (bool, error) {
			return at == beforeKeepingTheClaim && claim(cmd) == "xx", nil
		},
		After: func(cmd redis.Cmder, _ error) bool { return at == afterClaim && claim(cmd) == "nx" },
	}
	return redisfault.NewClient(t, srv.Options(), h), h
}

// claimTTL returns the time left on the replay claim of function's dead
// letter id (negative: no claim).
func claimTTL(t *testing.T, rdb redis.UniversalClient, function, id string) time.Duration {
	t.Helper()
	d, err := rdb.PTTL(context.Background(), inspect.ReplayClaimKey(function, id)).Result()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// waitClaimExpired waits until the replay claim of function's dead
// letter id has expired.
func waitClaimExpired(t *testing.T, rdb redis.UniversalClient, function, id string) {
	t.Helper()
	redistest.Eventually(t, 10*time.Second, func() bool { return claimTTL(t, rdb, function, id) == -2 },
		"the replay claim of %s expires", id)
}

// retryTasks returns how many tasks function's retry queue holds.
func retryTasks(t *testing.T, rdb redis.UniversalClient, function string) int64 {
	t.Helper()
	rc, err := inspect.New(rdb).Retries(context.Background(), function)
	if err != nil {
		t.Fatal(err)
	}
	return rc.Total()
}

// raceReplays runs n replays of function's dead letter id at once, each
// on its own Inspector, and returns how many replayed and skipped it.
func raceReplays(t *testing.T, rdb redis.UniversalClient, function, id string, n int) (replayed, skipped int) {
	t.Helper()
	results := make([]inspect.ReplayResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = inspect.New(rdb).Replay(context.Background(), function, inspect.Selection{IDs: []string{id}}, nil)
		})
	}
	wg.Wait()
	for i, res := range results {
		if errs[i] != nil || len(res.NotFound)+len(res.Failed) != 0 {
			t.Fatalf("racing replay %d: %+v, %v", i, res, errs[i])
		}
		replayed += res.Replayed
		skipped += len(res.Skipped)
	}
	return replayed, skipped
}

// TestReplayThatDiesAfterItsClaimIsReplayedOnceTheClaimExpires: a replay
// whose process dies after claiming a dead letter and before enqueuing
// its task leaves the entry claimed (replays skip it) only until the
// pending claim expires; then replays racing each other schedule it once,
// it runs once, and its claim is kept ReplayClaimTTL.
func TestReplayThatDiesAfterItsClaimIsReplayedOnceTheClaimExpires(t *testing.T) {
	rdb, ctx, fn, stream, sw := brokenBilling(t)
	_, id := opstest.FailOne(t, rdb, fn, stream, "order.created", "crash-ev", "o1", map[string]int{"qty": 1})
	sw.Fix()

	dyingClient, dying := newCrashingClient(t, fn, afterClaim)
	dyingInsp := inspect.New(dyingClient)
	const pending = time.Second
	inspect.SetReplayClaimPending(dyingInsp, pending)
	res, err := dyingInsp.Replay(ctx, fn, inspect.Selection{IDs: []string{id}}, nil)
	if !errors.Is(err, redisfault.ErrDied) || res.Replayed != 0 || !dying.Dead() {
		t.Fatalf("the dying replay: %+v, %v; want it to die after its claim, nothing replayed", res, err)
	}
	if d := claimTTL(t, rdb, fn, id); d <= 0 || d > pending {
		t.Fatalf("the dead replay's claim has %v left, want (0, %v]", d, pending)
	}

	t.Run("(a) a replay right after is skipped: the entry is still claimed", func(t *testing.T) {
		res, err := inspect.New(rdb).Replay(ctx, fn, inspect.Selection{IDs: []string{id}}, nil)
		if err != nil || res.Replayed != 0 || !slices.Equal(res.Skipped, []string{id}) {
			t.Fatalf("replay: %+v, %v; want %s skipped", res, err, id)
		}
		if n := retryTasks(t, rdb, fn); n != 0 {
			t.Fatalf("%d tasks scheduled, want none", n)
		}
	})

	t.Run("(b, c) once the claim expires, racing replays schedule it once and it runs once", func(t *testing.T) {
		waitClaimExpired(t, rdb, fn, id)
		const racers = 8
		replayed, skipped := raceReplays(t, rdb, fn, id, racers)
		if replayed != 1 || skipped != racers-1 {
			t.Fatalf("%d racing replays: %d replayed, %d skipped; want 1 and %d", racers, replayed, skipped, racers-1)
		}
		if d := claimTTL(t, rdb, fn, id); d < inspect.ReplayClaimTTL-time.Minute {
			t.Errorf("the scheduled replay's claim has %v left, want about %v", d, inspect.ReplayClaimTTL)
		}
		redistest.Eventually(t, 10*time.Second, func() bool { return sw.Succeeded("crash-ev") == 1 }, "the replayed event runs")
		wantReplayedOnce(t, rdb, fn, sw, "crash-ev")
	})
}

// TestReplayThatDiesBeforeKeepingItsClaimIsScheduledOnce: a replay whose
// process dies after enqueuing the task and before keeping its claim has
// scheduled the entry; once its claim expires, a later replay finds the
// task and says skipped (not replayed), keeps the claim, and the entry
// runs once.
func TestReplayThatDiesBeforeKeepingItsClaimIsScheduledOnce(t *testing.T) {
	rdb, ctx, stream, fn, id := seededDeadLetter(t, "keepclaim", "kept-ev")

	dyingClient, dying := newCrashingClient(t, fn, beforeKeepingTheClaim)
	dyingInsp := inspect.New(dyingClient)
	inspect.SetReplayClaimPending(dyingInsp, time.Second)
	res, err := dyingInsp.Replay(ctx, fn, inspect.Selection{IDs: []string{id}}, nil)
	if !errors.Is(err, redisfault.ErrDied) || res.Replayed != 1 || !dying.Dead() {
		t.Fatalf("the dying replay: %+v, %v; want its task enqueued, then the process dead", res, err)
	}
	if n := retryTasks(t, rdb, fn); n != 1 {
		t.Fatalf("%d tasks scheduled, want the dead replay's", n)
	}

	waitClaimExpired(t, rdb, fn, id)
	res, err = inspect.New(rdb).Replay(ctx, fn, inspect.Selection{IDs: []string{id}}, nil)
	if err != nil || res.Replayed != 0 || !slices.Equal(res.Skipped, []string{id}) {
		t.Fatalf("replay after the claim expired: %+v, %v; want %s skipped (already scheduled)", res, err, id)
	}
	if n := retryTasks(t, rdb, fn); n != 1 {
		t.Fatalf("%d tasks scheduled, want still the one", n)
	}
	if d := claimTTL(t, rdb, fn, id); d < inspect.ReplayClaimTTL-time.Minute {
		t.Errorf("the claim has %v left, want it kept about %v", d, inspect.ReplayClaimTTL)
	}

	sw := opstest.NewSwitch()
	sw.Fix()
	runtimetest.Start(t, rdb, runtime.Function{Name: fn, Streams: []string{stream}, Handler: runtime.HandlerFunc(sw.Handle)})
	wantReplayedOnce(t, rdb, fn, sw, "kept-ev")
}

// TestReplayIsSkippedForTheClaimTTL (d): a replay that scheduled its task
// keeps its claim for ReplayClaimTTL, not ReplayClaimPending, so a second
// replay is skipped while the first one's task still waits.
func TestReplayIsSkippedForTheClaimTTL(t *testing.T) {
	rdb, ctx, _, fn, id := seededDeadLetter(t, "claimttl", "ttl-ev")
	insp := inspect.New(rdb)
	inspect.SetReplayClaimPending(insp, time.Second)
	res, err := insp.Replay(ctx, fn, inspect.Selection{IDs: []string{id}}, nil)
	if err != nil || res.Replayed != 1 {
		t.Fatalf("replay: %+v, %v", res, err)
	}
	if d := claimTTL(t, rdb, fn, id); d < inspect.ReplayClaimTTL-time.Minute {
		t.Fatalf("the claim has %v left, want about %v", d, inspect.ReplayClaimTTL)
	}
	res, err = inspect.New(rdb).Replay(ctx, fn, inspect.Selection{All: true}, nil)
	if err != nil || res.Replayed != 0 || !slices.Equal(res.Skipped, []string{id}) {
		t.Fatalf("second replay: %+v, %v; want %s skipped", res, err, id)
	}
	if n := retryTasks(t, rdb, fn); n != 1 {
		t.Fatalf("%d tasks scheduled, want one", n)
	}
}

// wantReplayedOnce waits until fn's replayed dead letter has left the
// stream and no retry task is left, then fails unless the event ran
// exactly once.
func wantReplayedOnce(t *testing.T, rdb redis.UniversalClient, fn string, sw *opstest.Switch, eventID string) {
	t.Helper()
	redistest.Eventually(t, 10*time.Second, func() bool { return len(opstest.DeadLetters(t, rdb, fn)) == 0 }, "the replayed dead letter leaves the stream")
	runtimetest.WaitRetriesIdle(t, rdb, fn, 10*time.Second)
	if n := sw.Succeeded(eventID); n != 1 {
		t.Fatalf("the event ran %d times, want once", n)
	}
}
