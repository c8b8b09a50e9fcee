package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// retryPayload is the asynq task of one failed (or replayed) invocation.
type retryPayload struct {
	Stream string            `json:"stream"`
	ID     string            `json:"id"`
	Fields map[string]string `json:"fields"`
	// Attempt is the attempt number of the task's first run; asynq's retry
	// count is added to it.
	Attempt int `json:"attempt"`
	// MaxAttempts: a failure at this attempt dead-letters the event.
	MaxAttempts  int       `json:"max_attempts"`
	FirstFailure time.Time `json:"first_failure"`
}

// retrier schedules retries off the hot path: a failed invocation becomes
// a delayed asynq task on the function's queue (task id = idempotency key,
// so it is never scheduled twice), and this process's asynq server runs it
// through the same handler chain when it is due. asynq's own retries carry
// the later attempts, with the function's backoff as RetryDelayFunc.
type retrier struct {
	client *asynq.Client
	server *asynq.Server
	mux    *asynq.ServeMux
	fns    map[string]*function
	logger *zap.Logger
}

func newRetrier(cfg Config, rdb redis.UniversalClient, logger *zap.Logger, fns []*function, handlerCtx context.Context) *retrier {
	r := &retrier{
		client: asynq.NewClientFromRedisClient(rdb),
		mux:    asynq.NewServeMux(),
		fns:    map[string]*function{},
		logger: logger.Named("retrier"),
	}
	queues := map[string]int{}
	concurrency := 0
	for _, f := range fns {
		r.fns[retryTaskType(f.Name)] = f
		queues[RetryQueue(f.Name)] = 1
		concurrency += f.Concurrency
		r.mux.HandleFunc(retryTaskType(f.Name), r.handle)
	}
	r.server = asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:              concurrency,
		BaseContext:              func() context.Context { return handlerCtx },
		Queues:                   queues,
		RetryDelayFunc:           r.retryDelay,
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

// schedule turns msg's failed attempt into a delayed task. A task already
// scheduled for the same key (a redelivered entry failing again) is fine.
func (r *retrier) schedule(ctx context.Context, f *function, msg *Message) error {
	p := retryPayload{
		Stream: msg.Stream, ID: msg.ID, Fields: msg.Fields,
		Attempt: msg.Attempt + 1, MaxAttempts: f.MaxAttempts, FirstFailure: msg.FirstFailure,
	}
	delay := retryDelay(msg.Attempt, f.BackoffBase, f.BackoffMax)
	return enqueue(ctx, r.client, f.Name, msg.IdempotencyKey, p, asynq.ProcessIn(wholeSeconds(delay)), asynq.MaxRetry(f.MaxAttempts))
}

// enqueue adds a task for function; ErrTaskIDConflict counts as success.
func enqueue(ctx context.Context, c *asynq.Client, function, taskID string, p retryPayload, opts ...asynq.Option) error {
	body, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode retry task: %w", err)
	}
	opts = append(opts, asynq.TaskID(taskID), asynq.Queue(RetryQueue(function)), asynq.Retention(0))
	_, err = c.EnqueueContext(ctx, asynq.NewTask(retryTaskType(function), body), opts...)
	if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return fmt.Errorf("enqueue retry of %s: %w", taskID, err)
	}
	return nil
}

// retryDelay is asynq's RetryDelayFunc: n tasks runs have failed.
func (r *retrier) retryDelay(n int, _ error, t *asynq.Task) time.Duration {
	f := r.fns[t.Type()]
	var p retryPayload
	if f == nil || json.Unmarshal(t.Payload(), &p) != nil {
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
		return fmt.Errorf("no function for task type %s: %w", t.Type(), asynq.SkipRetry)
	}
	var p retryPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("decode retry task of %s: %v: %w", strings.TrimPrefix(t.Type(), "retry:"), err, asynq.SkipRetry)
	}
	retried, _ := asynq.GetRetryCount(ctx)
	return f.handleRetry(ctx, p, retried)
}

// handleRetry runs one retry (or replay) attempt and settles it. A nil
// return completes the asynq task; an error makes asynq try again later.
func (f *function) handleRetry(ctx context.Context, p retryPayload, retried int) error {
	msg, derr := newMessage(f.Name, p.Stream, p.ID, p.Fields)
	msg.Attempt = p.Attempt + retried
	msg.FirstFailure = p.FirstFailure
	m := f.streamMetric(p.Stream)
	if derr != nil {
		m.deadLettered.Inc()
		dl := newDeadLetterEntry(f.Name, msg, derr, time.Now())
		return f.commitWait(&commitItem{deadLetter: &dl})
	}
	done, err := f.records.done(ctx, []string{msg.EventID})
	if err != nil {
		return err
	}
	if done[0] {
		m.skipped.Inc()
		return nil
	}
	err = f.invoke(ctx, msg)
	switch {
	case err == nil:
		m.processed.Inc()
		return f.commitWait(&commitItem{eventID: msg.EventID, record: true, emits: msg.emits})
	case ctx.Err() != nil:
		return err
	case IsPermanent(err) || msg.Attempt >= p.MaxAttempts:
		m.deadLettered.Inc()
		dl := newDeadLetterEntry(f.Name, msg, err, time.Now())
		return f.commitWait(&commitItem{deadLetter: &dl})
	}
	m.retried.Inc()
	return err
}

// commitWait commits item and waits for the result.
func (f *function) commitWait(item *commitItem) error {
	errc := make(chan error, 1)
	item.done = func(err error) { errc <- err }
	f.com.submit([]*commitItem{item})
	if err := <-errc; err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
