package runtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/runtimetest"
)

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
