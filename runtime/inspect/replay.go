package inspect

import (
	"context"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/internal/retrytask"
)

// Replay runs a dead letter again through its function only: it becomes a
// task on the function's retry queue (other functions never see it), run
// by the function's processes at their next poll, with attempt =
// dl.Attempts+1. If that attempt fails the event returns to the
// dead-letter stream with the higher attempt count. The dead letter stays
// in the dead-letter stream until the replay has settled (committed, or
// dead-lettered again), and is removed then: a replay interrupted by
// shutdowns, crashes or Redis errors is run again (those use no attempt),
// never lost. Replaying the same entry twice runs it once: while its task
// is waiting or running a second one is not added (the task id is derived
// from the entry id), and a replay task whose dead letter has left the
// stream by the time it runs (replayed by an earlier task, or purged) is
// dropped without running. An event that has completed meanwhile is not
// run again (idempotency). A truncated dead letter (DeadLetter.Truncated)
// is refused.
//
// A replay, like a retry task, runs outside its key's lane: for a
// function with an OrderingKey it runs after the newer events of its key
// that were handled meanwhile, but never beside one of them on the same
// instance.
func Replay(ctx context.Context, client redis.UniversalClient, dl DeadLetter) error {
	_, err := scheduleReplay(ctx, client, dl)
	return err
}

// scheduleReplay is Replay, saying whether it added the task (false: the
// replay of dl was already waiting or running).
func scheduleReplay(ctx context.Context, client redis.UniversalClient, dl DeadLetter) (added bool, err error) {
	if dl.Truncated {
		return false, fmt.Errorf("replay %s: a truncated copy of an entry over the size limit (%s %s) cannot be replayed", dl.ID, dl.Stream, dl.EntryID)
	}
	c := asynq.NewClientFromRedisClient(client)
	defer c.Close()
	insp := asynq.NewInspectorFromRedisClient(client)
	attempt := dl.Attempts + 1
	p := retrytask.Payload{
		Stream: dl.Stream, ID: dl.EntryID, Fields: dl.Fields,
		Attempt: attempt, MaxAttempts: attempt, FirstFailure: dl.FirstFailure,
		DeadLetterID: dl.ID,
	}
	taskID := rdb.ReplayTaskID(dl.Function, dl.ID)
	added, err = retrytask.Enqueue(ctx, c, insp, dl.Function, taskID, p)
	if err != nil {
		return false, fmt.Errorf("replay %s: %w", dl.ID, err)
	}
	return added, nil
}
