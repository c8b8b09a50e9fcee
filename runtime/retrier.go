package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// retryPayload is the asynq task of one failed (or replayed) invocation.
type retryPayload struct {
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

// maxTaskRetry is the retry budget given to asynq, never reached: the
// runtime counts attempts itself and dead-letters an event past its
// MaxAttempts, so no task ever ends in asynq's archive.
const maxTaskRetry = math.MaxInt32

// errInfra marks a retry task's failure that is not the handler's (a hard
// stop, Redis failing): asynq runs the task again without counting it, so
// it uses no attempt.
var errInfra = errors.New("infrastructure")

func infra(err error) error { return fmt.Errorf("%w: %w", errInfra, err) }

// isFailure is asynq's IsFailure: only a handler's own failure, or a
// task whose process died (its lease expired), uses an attempt.
func isFailure(err error) bool {
	return !errors.Is(err, errInfra) && !errors.Is(err, context.Canceled)
}

// retrier schedules retries of unordered functions off the hot path: a
// failed invocation becomes a delayed asynq task on the function's queue
// (task id = idempotency key, so it is never scheduled twice), and this
// process's asynq server runs it through the same handler chain when it is
// due, under the function's Concurrency (shared with its pool). asynq's
// own retries carry the later attempts, with the function's backoff as
// RetryDelayFunc; attempts are counted by the runtime (see maxTaskRetry,
// isFailure).
type retrier struct {
	client *asynq.Client
	insp   *asynq.Inspector
	server *asynq.Server
	mux    *asynq.ServeMux
	fns    map[string]*worker
	logger *zap.Logger
}

func newRetrier(cfg Config, client redis.UniversalClient, logger *zap.Logger, fns []*worker, handlerCtx context.Context) *retrier {
	r := &retrier{
		client: asynq.NewClientFromRedisClient(client),
		insp:   asynq.NewInspectorFromRedisClient(client),
		mux:    asynq.NewServeMux(),
		fns:    map[string]*worker{},
		logger: logger.Named("retrier"),
	}
	queues := map[string]int{}
	concurrency := 0
	for _, f := range fns {
		r.fns[rdb.RetryTaskType(f.Name)] = f
		queues[RetryQueue(f.Name)] = 1
		concurrency += f.Concurrency
		r.mux.HandleFunc(rdb.RetryTaskType(f.Name), r.handle)
	}
	r.server = asynq.NewServerFromRedisClient(client, asynq.Config{
		Concurrency:              concurrency,
		BaseContext:              func() context.Context { return handlerCtx },
		Queues:                   queues,
		RetryDelayFunc:           r.retryDelay,
		IsFailure:                isFailure,
		Logger:                   logger.Named("asynq").Sugar(),
		LogLevel:                 asynq.WarnLevel,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		DelayedTaskCheckInterval: cfg.RetryPollInterval,
		TaskCheckInterval:        cfg.RetryPollInterval,
	})
	return r
}

func (r *retrier) start() error { return r.server.Start(r.mux) }

func (r *retrier) shutdown() {
	r.server.Shutdown()
	_ = r.client.Close()
}

// schedule turns msg's failed attempt into a delayed task.
func (r *retrier) schedule(ctx context.Context, f *worker, msg *Message) error {
	p := retryPayload{
		Stream: msg.Stream, ID: msg.ID, Fields: msg.Fields,
		Attempt: msg.Attempt + 1, MaxAttempts: f.MaxAttempts, FirstFailure: msg.FirstFailure,
	}
	delay := retryDelay(msg.Attempt, f.BackoffBase, f.BackoffMax)
	return enqueue(context.WithoutCancel(ctx), r.client, r.insp, f.Name, msg.IdempotencyKey, p,
		asynq.ProcessIn(wholeSeconds(delay)), asynq.Timeout(f.Timeout+time.Minute))
}

// enqueue adds a task for function. A task of the same id that is still
// to run (scheduled, pending, retrying, active) is the same retry: fine.
// One that is archived or completed (left by an older version, or by hand)
// would swallow this failure: it is deleted and the task enqueued again.
func enqueue(ctx context.Context, c *asynq.Client, insp *asynq.Inspector, function, taskID string, p retryPayload, opts ...asynq.Option) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode retry task: %w", err)
	}
	queue := RetryQueue(function)
	opts = append(opts, asynq.TaskID(taskID), asynq.Queue(queue), asynq.Retention(0), asynq.MaxRetry(maxTaskRetry))
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
			return fmt.Errorf("enqueue retry of %s: id taken, and inspecting it failed: %w", taskID, ierr)
		case info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateCompleted:
			return nil
		}
		if derr := insp.DeleteTask(queue, taskID); derr != nil && !errors.Is(derr, asynq.ErrTaskNotFound) {
			return fmt.Errorf("enqueue retry of %s: delete the %s task of the same id: %w", taskID, info.State, derr)
		}
	}
	if err != nil {
		return fmt.Errorf("enqueue retry of %s: %w", taskID, err)
	}
	return nil
}

// retryDelay is asynq's RetryDelayFunc: n tasks runs have failed.
func (r *retrier) retryDelay(n int, err error, t *asynq.Task) time.Duration {
	f := r.fns[t.Type()]
	var p retryPayload
	if f == nil || json.Unmarshal(t.Payload(), &p) != nil || !isFailure(err) {
		return time.Second
	}
	return wholeSeconds(retryDelay(p.Attempt+n, f.BackoffBase, f.BackoffMax))
}

// wholeSeconds stretches d so that now+d falls on the next whole second.
// asynq files delayed tasks by Unix second and releases a task once that
// second has begun, so an unstretched delay could fire up to a second
// early; stretched, a retry is never earlier than its backoff (and at most
// a second late, plus RetryPollInterval).
func wholeSeconds(d time.Duration) time.Duration {
	now := time.Now()
	at := now.Add(d + 5*time.Millisecond).Truncate(time.Second).Add(time.Second)
	return at.Sub(now)
}

// handle runs a due retry task.
func (r *retrier) handle(ctx context.Context, t *asynq.Task) error {
	f := r.fns[t.Type()]
	if f == nil {
		r.logger.Error("retry task of no function here: dropped", zap.String("type", t.Type()))
		return nil
	}
	var p retryPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		r.logger.Error("undecodable retry task: dropped", zap.String("function", strings.TrimPrefix(t.Type(), "retry:")), zap.Error(err))
		return nil
	}
	retried, _ := asynq.GetRetryCount(ctx)
	return f.handleRetry(ctx, p, retried)
}
