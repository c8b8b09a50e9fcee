package runtime

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Runtime runs registered Functions against Redis Streams: it owns the
// consumer groups, the worker pools, the committer, the retrier and the
// background duties (reclaimer, janitor).
//
// Stop order (Run, after ctx ends): readers and reclaimers stop reading
// (within ReadBlock); worker pools and the retrier (asynq) finish their
// in-flight work side by side within ShutdownTimeout, after which what is
// still running is cancelled and stays pending for redelivery; the
// committers flush; Run returns. So a process exits within about
// ReadBlock + ShutdownTimeout + 1s of SIGTERM.
type Runtime struct {
	cfg     Config
	rdb     redis.UniversalClient
	logger  *zap.Logger
	metrics *Metrics

	mu        sync.Mutex
	functions []*function
	ready     atomic.Bool
	// err is why the client cannot be used (checkClient); Register and
	// Run return it.
	err error
}

// New returns a Runtime. metrics may be nil (a private registry is used).
// A Cluster or Ring client is refused: Register and Run then return
// ErrClusterUnsupported.
func New(cfg Config, rdb redis.UniversalClient, logger *zap.Logger, metrics *Metrics) *Runtime {
	if metrics == nil {
		metrics = NewMetrics()
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	if cfg.ConsumerName == "" {
		_ = cfg.Validate()
	}
	return &Runtime{cfg: cfg, rdb: rdb, logger: logger, metrics: metrics, err: checkClient(rdb)}
}

// Register adds a function; call it before Run. The function's settings
// left zero take the Config's values, and its middleware chain is built
// here, once.
func (r *Runtime) Register(fn Function) error {
	if r.err != nil {
		return fmt.Errorf("register: %w", r.err)
	}
	if err := fn.validate(r.cfg); err != nil {
		return fmt.Errorf("register: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range r.functions {
		if f.Name == fn.Name {
			return fmt.Errorf("register: function %s registered twice", fn.Name)
		}
	}
	r.functions = append(r.functions, newFunction(fn, r))
	return nil
}

// Ready reports whether the runtime has started and Redis takes writes
// (a tiny write, not a PING: see redisWritable). A *NotReadyError says why
// not.
func (r *Runtime) Ready(ctx context.Context) error {
	if !r.ready.Load() {
		return &NotReadyError{Reason: "runtime not started"}
	}
	return r.redisWritable(ctx)
}

// Run starts every function and blocks until ctx is done, then shuts down
// gracefully (see Runtime). It returns nil after a clean shutdown; it
// waits for Redis at start-up instead of failing. It refuses a Redis whose
// maxmemory-policy is not noeviction, unless Config.AllowEviction.
func (r *Runtime) Run(ctx context.Context) error {
	if r.err != nil {
		return r.err
	}
	if err := r.checkEvictionPolicy(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	r.mu.Lock()
	fns := append([]*function(nil), r.functions...)
	r.mu.Unlock()
	if len(fns) == 0 {
		// Nothing to consume (the gateway): ready at once.
		r.ready.Store(true)
		<-ctx.Done()
		r.ready.Store(false)
		return nil
	}
	for _, f := range fns {
		if err := f.ensureGroups(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}

	// handlerCtx outlives ctx by the shutdown timeout, so that in-flight
	// invocations can finish.
	handlerCtx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()

	ret := newRetrier(r.cfg, r.rdb, r.logger, fns, handlerCtx)
	for _, f := range fns {
		f.start(ctx, handlerCtx, ret)
	}
	if err := ret.start(); err != nil {
		return fmt.Errorf("start retrier: %w", err)
	}
	r.ready.Store(true)
	r.logger.Info("runtime started", zap.Int("functions", len(fns)), zap.String("consumer", r.cfg.ConsumerName))

	<-ctx.Done()
	r.ready.Store(false)
	r.logger.Info("shutting down", zap.Duration("timeout", r.cfg.ShutdownTimeout))
	deadline := time.Now().Add(r.cfg.ShutdownTimeout)
	for _, f := range fns {
		f.stopReading()
	}
	// Retries in flight drain beside the pools, under the same deadline:
	// hardStop cancels what is still running in either.
	retrierDone := make(chan struct{})
	go func() { ret.shutdown(); close(retrierDone) }()
	for _, f := range fns {
		if !f.pool.wait(time.Until(deadline)) {
			r.logger.Warn("shutdown timeout: in-flight work left pending for redelivery", zap.String("function", f.Name))
		}
	}
	select {
	case <-retrierDone:
	case <-time.After(max(time.Until(deadline), 0)):
	}
	hardStop()
	<-retrierDone
	for _, f := range fns {
		f.com.shutdown(max(time.Until(deadline), time.Second))
	}
	return nil
}
