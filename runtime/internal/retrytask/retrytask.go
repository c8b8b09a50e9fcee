// Package retrytask is the asynq task of a retry or a replay: its payload,
// how it is enqueued (once per id, never swallowed by an archived task of
// the same id), how its failures count, and when it runs.
package retrytask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/hibiken/asynq"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// Payload is the asynq task of one failed (or replayed) invocation.
type Payload struct {
	Stream string            `json:"stream"`
	ID     string            `json:"id"`
	Fields map[string]string `json:"fields"`
	// Attempt is the attempt number of the task's first run; asynq's retry
	// count (failed runs and lost leases, never infrastructure errors) is
	// added to it.
	Attempt int `json:"attempt"`
	// MaxAttempts: a failure at this attempt dead-letters the event.
	MaxAttempts  int       `json:"max_attempts"`
	FirstFailure time.Time `json:"first_failure"`
	// DeadLetterID, for a replay, is the dead letter it replays: removed
	// from dlq:<function> once the replay has settled.
	DeadLetterID string `json:"dead_letter_id,omitempty"`
}

// MaxRetry is the retry budget given to asynq, never reached: the
// runtime counts attempts itself and dead-letters an event past its
// MaxAttempts, so no task ever ends in asynq's archive.
const MaxRetry = math.MaxInt32

// ErrInfra marks a retry task's failure that is not the handler's (a hard
// stop, Redis failing): asynq runs the task again without counting it, so
// it uses no attempt.
var ErrInfra = errors.New("infrastructure")

// Infra marks err as ErrInfra.
func Infra(err error) error { return fmt.Errorf("%w: %w", ErrInfra, err) }

// IsFailure is asynq's IsFailure: only a handler's own failure, or a
// task whose process died (its lease expired), uses an attempt.
func IsFailure(err error) bool {
	return !errors.Is(err, ErrInfra) && !errors.Is(err, context.Canceled)
}

// Enqueue adds a task for function and says whether it did. A task of
// the same id that is still to run (scheduled, pending, retrying, active)
// is the same retry: nothing is added, and enqueued is false. One that is
// archived or completed (left by an older version, or by hand) would
// swallow this failure: it is deleted and the task enqueued again.
func Enqueue(ctx context.Context, c *asynq.Client, insp *asynq.Inspector, function, taskID string, p Payload, opts ...asynq.Option) (enqueued bool, err error) {
	body, err := json.Marshal(p)
	if err != nil {
		return false, fmt.Errorf("encode retry task: %w", err)
	}
	queue := rdb.RetryQueue(function)
	opts = append(opts, asynq.TaskID(taskID), asynq.Queue(queue), asynq.Retention(0), asynq.MaxRetry(MaxRetry))
	task := asynq.NewTask(rdb.RetryTaskType(function), body)
	for range 2 {
		_, err = c.EnqueueContext(ctx, task, opts...)
		if !errors.Is(err, asynq.ErrTaskIDConflict) {
			break
		}
		info, ierr := insp.GetTaskInfo(queue, taskID)
		switch {
		case errors.Is(ierr, asynq.ErrTaskNotFound):
			continue // gone meanwhile
		case ierr != nil:
			return false, fmt.Errorf("enqueue retry of %s: id taken, and inspecting it failed: %w", taskID, ierr)
		case info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted:
			return false, nil
		}
		if derr := insp.DeleteTask(queue, taskID); derr != nil && !errors.Is(derr, asynq.ErrTaskNotFound) {
			return false, fmt.Errorf("enqueue retry of %s: delete the %s task of the same id: %w", taskID, info.State, derr)
		}
	}
	if err != nil {
		return false, fmt.Errorf("enqueue retry of %s: %w", taskID, err)
	}
	return true, nil
}

// WholeSeconds stretches d so that now+d falls on the next whole second.
// asynq files delayed tasks by Unix second and releases a task once that
// second has begun, so an unstretched delay could fire up to a second
// early; stretched, a retry is never earlier than its backoff (and at most
// a second late, plus RetryPollInterval).
func WholeSeconds(d time.Duration) time.Duration {
	now := time.Now()
	at := now.Add(d + 5*time.Millisecond).Truncate(time.Second).Add(time.Second)
	return at.Sub(now)
}
