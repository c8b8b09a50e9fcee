// Package retry is the runtime's retrier: the asynq client and server that
// carry the retries (and replays) of unordered functions off the hot path.
package retry

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/internal/retrytask"
)

// Retrier schedules retries of unordered functions off the hot path: a
// failed invocation becomes a delayed asynq task on the function's queue
// (task id = idempotency key, so it is never scheduled twice), and this
// process's asynq server runs it through the same handler chain when it is
// due, under the function's Concurrency (shared with its pool). asynq's
// own retries carry the later attempts, with the function's backoff as
// RetryDelayFunc; attempts are counted by the runtime (see retrytask.MaxRetry,
// retrytask.IsFailure).
type Retrier struct {
	client *asynq.Client
	insp   *asynq.Inspector
	server *asynq.Server
	mux    *asynq.ServeMux
	rdb    *rdb.RDB
	fns    map[string]Function
	logger *zap.Logger
}

// Function is what the retrier knows of one function.
type Function struct {
	Name                    string
	Concurrency             int
	BackoffBase, BackoffMax time.Duration
	// Handle runs one due retry (or replay) task; retried counts the
	// task's runs that failed before. A nil return completes the task: it
	// settled.
	Handle func(ctx context.Context, p retrytask.Payload, retried int) error
	// Dropped is told of a replay dropped because its dead letter has
	// left the stream.
	Dropped func(stream string)
}

// Params is what the retrier needs.
type Params struct {
	Client    redis.UniversalClient
	Logger    *zap.Logger
	Functions []Function
	// HandlerCtx is what retry tasks run under (it ends at the hard stop).
	HandlerCtx context.Context
	// ShutdownTimeout and PollInterval are the Config's ShutdownTimeout
	// and RetryPollInterval.
	ShutdownTimeout, PollInterval time.Duration
}

// New returns an unstarted retrier for p.Functions.
func New(p Params) *Retrier {
	r := &Retrier{
		client: asynq.NewClientFromRedisClient(p.Client),
		insp:   asynq.NewInspectorFromRedisClient(p.Client),
		mux:    asynq.NewServeMux(),
		rdb:    rdb.New(p.Client),
		fns:    map[string]Function{},
		logger: p.Logger.Named("retrier"),
	}
	queues := map[string]int{}
	concurrency := 0
	for _, f := range p.Functions {
		r.fns[rdb.RetryTaskType(f.Name)] = f
		queues[rdb.RetryQueue(f.Name)] = 1
		concurrency += f.Concurrency
		r.mux.HandleFunc(rdb.RetryTaskType(f.Name), r.handle)
	}
	r.server = asynq.NewServerFromRedisClient(p.Client, asynq.Config{
		Concurrency:              concurrency,
		BaseContext:              func() context.Context { return p.HandlerCtx },
		Queues:                   queues,
		RetryDelayFunc:           r.retryDelay,
		IsFailure:                retrytask.IsFailure,
		Logger:                   p.Logger.Named("asynq").Sugar(),
		LogLevel:                 asynq.WarnLevel,
		ShutdownTimeout:          p.ShutdownTimeout,
		DelayedTaskCheckInterval: p.PollInterval,
		TaskCheckInterval:        p.PollInterval,
	})
	return r
}

// Start starts the asynq server.
func (r *Retrier) Start() error { return r.server.Start(r.mux) }

// Shutdown stops the server (it drains within ShutdownTimeout) and closes
// the client.
func (r *Retrier) Shutdown() {
	r.server.Shutdown()
	_ = r.client.Close()
}

// Schedule turns a failed attempt of function into a delayed task with
// id key, due after delay, each run bounded by timeout.
func (r *Retrier) Schedule(ctx context.Context, function, key string, p retrytask.Payload, delay, timeout time.Duration) error {
	_, err := retrytask.Enqueue(context.WithoutCancel(ctx), r.client, r.insp, function, key, p,
		asynq.ProcessIn(retrytask.WholeSeconds(delay)), asynq.Timeout(timeout))
	return err
}

// retryDelay is asynq's RetryDelayFunc: n tasks runs have failed.
func (r *Retrier) retryDelay(n int, err error, t *asynq.Task) time.Duration {
	f, ok := r.fns[t.Type()]
	var p retrytask.Payload
	if !ok || json.Unmarshal(t.Payload(), &p) != nil || !retrytask.IsFailure(err) {
		return time.Second
	}
	return retrytask.WholeSeconds(backoff.Retry(p.Attempt+n, f.BackoffBase, f.BackoffMax))
}

// handle runs a due retry task.
func (r *Retrier) handle(ctx context.Context, t *asynq.Task) error {
	f, ok := r.fns[t.Type()]
	if !ok {
		r.logger.Error("retry task of no function here: dropped", zap.String("type", t.Type()))
		return nil
	}
	var p retrytask.Payload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		r.logger.Error("undecodable retry task: dropped", zap.String("function", strings.TrimPrefix(t.Type(), rdb.RetryTaskType(""))), zap.Error(err))
		return nil
	}
	retried, _ := asynq.GetRetryCount(ctx)
	return r.run(ctx, f, p, retried)
}

// run runs the task p of f. A replay (p.DeadLetterID set) runs only while
// its dead letter is in the stream, and removes it once it settled.
func (r *Retrier) run(ctx context.Context, f Function, p retrytask.Payload, retried int) error {
	if p.DeadLetterID != "" {
		if run, err := r.replayStillDue(ctx, f, p); err != nil || !run {
			return err
		}
	}
	if err := f.Handle(ctx, p, retried); err != nil || p.DeadLetterID == "" {
		return err
	}
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := r.rdb.DeleteDeadLetter(c, f.Name, p.DeadLetterID); err != nil {
		r.logger.Error("replay settled, but the replayed dead letter was not removed", zap.String("function", f.Name),
			zap.String("dead_letter", p.DeadLetterID), zap.Error(err))
	}
	return nil
}

// replayStillDue reports whether the replay task p is to run: only while
// its dead letter is in the stream. A replay settles by removing it, and
// its task is gone only after that, so a replay of the same dead letter
// enqueued later (by a replay that read it before, and claimed it after
// its claim expired) finds it gone and is dropped instead of running the
// event twice; so is the replay of a dead letter purged meanwhile.
func (r *Retrier) replayStillDue(ctx context.Context, f Function, p retrytask.Payload) (bool, error) {
	ok, err := r.rdb.HasDeadLetter(ctx, f.Name, p.DeadLetterID)
	switch {
	case err != nil:
		return false, retrytask.Infra(err)
	case !ok:
		f.Dropped(p.Stream)
		r.logger.Info("replay dropped: its dead letter has left the stream (replayed already, or purged)", zap.String("function", f.Name),
			zap.String("dead_letter", p.DeadLetterID), zap.String("stream", p.Stream), zap.String("id", p.ID))
	}
	return ok, nil
}
