package runtime

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/engine/retry"
	"github.com/ordershop/functions/runtime/internal/health"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// Runtime runs registered Functions against Redis Streams: it owns the
// consumer groups, the worker pools, the committers, the retrier and the
// background duties. internal/engine/lifecycle.go lists the duties and
// the order in which Run stops them after ctx ends: reading stops at
// once, delivered work drains within ShutdownTimeout, then the hard
// stop; Run returns within
// ShutdownTimeout + 2s of ctx ending, Redis up or down, whatever the
// handlers do.
type Runtime struct {
	cfg     Config
	client  redis.UniversalClient
	rdb     *rdb.RDB
	logger  *zap.Logger
	metrics *Metrics

	mu        sync.Mutex
	functions []*engine.Worker
	ready     atomic.Bool
	// err is why the client cannot be used (rdb.CheckClient); Register and
	// Run return it.
	err error
}

// New returns a Runtime. metrics may be nil (a private registry is used).
// client may be a single node, Sentinel (failover) or Cluster client; a
// Ring client is refused: Register and Run then return ErrRingUnsupported.
func New(cfg Config, client redis.UniversalClient, logger *zap.Logger, metrics *Metrics) *Runtime {
	if cfg.ConsumerName == "" {
		_ = cfg.Validate()
	}
	if cfg.RegistryKey == "" {
		cfg.RegistryKey = DefaultRegistryKey
	}
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if metrics == nil {
		metrics = NewMetricsIn(cfg.Namespace)
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	return &Runtime{cfg: cfg, client: client, rdb: rdb.New(client), logger: logger, metrics: metrics, err: rdb.CheckClient(client)}
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
	r.functions = append(r.functions, newWorker(fn, r.cfg, r.rdb, r.logger, r.metrics))
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
	if err := health.CheckEvictionPolicy(ctx, r.rdb, r.logger, r.cfg.AllowEviction); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	r.mu.Lock()
	fns := append([]*engine.Worker(nil), r.functions...)
	r.mu.Unlock()
	if len(fns) == 0 {
		// Nothing to consume (the gateway): ready at once.
		r.ready.Store(true)
		<-ctx.Done()
		r.ready.Store(false)
		return nil
	}
	names := make([]string, len(fns))
	for i, f := range fns {
		names[i] = f.Name
	}
	if err := r.metrics.Registry.Register(health.NewDeadLetterGauge(r.rdb, r.metrics.Namespace, names)); err != nil {
		r.logger.Warn("dead-letter gauge not registered", zap.Error(err))
	}
	for _, f := range fns {
		if err := f.OpenFamilies(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := f.EnsureGroups(ctx); err != nil {
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

	ret := r.newRetrier(fns, handlerCtx)
	for _, f := range fns {
		f.Start(ctx, handlerCtx, ret)
	}
	if err := ret.Start(); err != nil {
		return fmt.Errorf("start retrier: %w", err)
	}
	r.ready.Store(true)
	r.logger.Info("runtime started", zap.Int("functions", len(fns)), zap.String("consumer", r.cfg.ConsumerName))

	<-ctx.Done()
	r.ready.Store(false)
	r.logger.Info("shutting down", zap.Duration("timeout", r.cfg.ShutdownTimeout))
	engine.Shutdown(fns, ret, hardStop, r.cfg.ShutdownTimeout, r.logger)
	return nil
}

// newRetrier returns the process's one retrier for fns: their retry tasks
// run under handlerCtx.
func (r *Runtime) newRetrier(fns []*engine.Worker, handlerCtx context.Context) *retry.Retrier {
	retried := make([]retry.Function, len(fns))
	for i, f := range fns {
		retried[i] = f.Retry()
	}
	return retry.New(retry.Params{
		Client: r.client, Logger: r.logger, Functions: retried, HandlerCtx: handlerCtx,
		ShutdownTimeout: r.cfg.ShutdownTimeout, PollInterval: r.cfg.RetryPollInterval,
	})
}
