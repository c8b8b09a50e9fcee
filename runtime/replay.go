package runtime

import (
	"context"
	"fmt"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Replay runs a dead letter again through its function only: it becomes a
// task on the function's retry queue (other functions never see it), run
// by the function's processes at their next poll, with attempt =
// dl.Attempts+1. If that attempt fails the event returns to the dead-letter
// stream with the higher attempt count. The entry is deleted from the
// dead-letter stream once the task is accepted. Replaying the same entry
// twice schedules it once (the task id is derived from the entry id), and
// an event that has completed meanwhile is not run again (idempotency). A
// truncated dead letter (DeadLetter.Truncated) is refused.
func Replay(ctx context.Context, rdb redis.UniversalClient, dl DeadLetter) error {
	if dl.Truncated {
		return fmt.Errorf("replay %s: a truncated copy of an entry over the size limit (%s %s) cannot be replayed", dl.ID, dl.Stream, dl.EntryID)
	}
	c := asynq.NewClientFromRedisClient(rdb)
	defer c.Close()
	attempt := dl.Attempts + 1
	p := retryPayload{
		Stream: dl.Stream, ID: dl.EntryID, Fields: dl.Fields,
		Attempt: attempt, MaxAttempts: attempt, FirstFailure: dl.FirstFailure,
	}
	taskID := "replay:" + dl.Function + ":" + dl.ID
	if err := enqueue(ctx, c, dl.Function, taskID, p, asynq.MaxRetry(1)); err != nil {
		return fmt.Errorf("replay %s: %w", dl.ID, err)
	}
	if err := rdb.XDel(ctx, DeadLetterStream(dl.Function), dl.ID).Err(); err != nil {
		return fmt.Errorf("replay %s: accepted, but not removed from %s: %w", dl.ID, DeadLetterStream(dl.Function), err)
	}
	return nil
}
