package runtime

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

// retrier schedules retries of unordered functions off the hot path: a
// failed invocation becomes a delayed asynq task on the function's queue
// (task id = idempotency key, so it is never scheduled twice), and this
// process's asynq server runs it through the same handler chain when it is
// due, under the function's Concurrency (shared with its pool). asynq's
// own retries carry the later attempts, with the function's backoff as
// RetryDelayFunc; attempts are counted by the runtime (see retrytask.MaxRetry,
// retrytask.IsFailure).
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
		IsFailure:                retrytask.IsFailure,
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
	p := retrytask.Payload{
		Stream: msg.Stream, ID: msg.ID, Fields: msg.Fields,
		Attempt: msg.Attempt + 1, MaxAttempts: f.MaxAttempts, FirstFailure: msg.FirstFailure,
	}
	delay := backoff.Retry(msg.Attempt, f.BackoffBase, f.BackoffMax)
	_, err := retrytask.Enqueue(context.WithoutCancel(ctx), r.client, r.insp, f.Name, msg.IdempotencyKey, p,
		asynq.ProcessIn(retrytask.WholeSeconds(delay)), asynq.Timeout(f.Timeout+time.Minute))
	return err
}

// retryDelay is asynq's RetryDelayFunc: n tasks runs have failed.
func (r *retrier) retryDelay(n int, err error, t *asynq.Task) time.Duration {
	f := r.fns[t.Type()]
	var p retrytask.Payload
	if f == nil || json.Unmarshal(t.Payload(), &p) != nil || !retrytask.IsFailure(err) {
		return time.Second
	}
	return retrytask.WholeSeconds(backoff.Retry(p.Attempt+n, f.BackoffBase, f.BackoffMax))
}

// handle runs a due retry task.
func (r *retrier) handle(ctx context.Context, t *asynq.Task) error {
	f := r.fns[t.Type()]
	if f == nil {
		r.logger.Error("retry task of no function here: dropped", zap.String("type", t.Type()))
		return nil
	}
	var p retrytask.Payload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		r.logger.Error("undecodable retry task: dropped", zap.String("function", strings.TrimPrefix(t.Type(), rdb.RetryTaskType(""))), zap.Error(err))
		return nil
	}
	retried, _ := asynq.GetRetryCount(ctx)
	return f.handleRetry(ctx, p, retried)
}
