package runtime

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/health"
	"github.com/ordershop/functions/runtime/internal/httpserver"
	"github.com/ordershop/functions/runtime/internal/process"
)

// App is what a function process is built from: its configuration, a Redis
// client and a logger, handed to the setup function of Main.
type App struct {
	Config Config
	Redis  redis.UniversalClient
	Logger *zap.Logger
	// Metrics is the Prometheus registry served on /metrics; register a
	// process's own collectors here.
	Metrics *Metrics
}

// Setup is what a process's setup function returns: the functions to run
// and, optionally, extra HTTP routes served beside /healthz, /readyz and
// /metrics (the gateway's API).
type Setup struct {
	Functions []Function
	HTTP      http.Handler
	// Ready, if set, adds a readiness condition to /readyz.
	Ready func(ctx context.Context) error
	// Stopping, if set, is called once when the process begins to shut
	// down, before HTTP requests drain: end long-lived responses (event
	// streams) and background work there, so that the drain does not
	// wait for them.
	Stopping func()
	// Background, if set, runs beside the functions from start until
	// shutdown (such as the dashboard's sampler, dashboard.Handler.Run): its
	// ctx ends on SIGTERM or SIGINT, it must return then, and Main waits
	// for it and fails with its error, if any.
	Background func(ctx context.Context) error
}

// Main is the whole main of a function process: it reads Config from the
// environment, builds the logger and Redis client, calls setup, serves
// HTTP on $PORT, runs the functions until SIGTERM or SIGINT, drains, and
// exits 0 (1 on a startup error, with the reason on stderr).
//
// Options change what Main does: WithNames gives the process a product's
// names for the runtime's registry and metrics.
func Main(name string, setup func(app *App) (Setup, error), opts ...MainOption) {
	if err := run(name, setup, opts); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// MainOption is an option of Main.
type MainOption func(defaults map[string]string)

// WithNames makes Main's process register its functions in registryKey
// and name its metrics and probe key in namespace, unless REGISTRY_KEY or
// RUNTIME_NAMESPACE say otherwise: a product built on the runtime keeps
// its own names (see Config.RegistryKey and Config.Namespace) while the
// runtime's defaults name none.
func WithNames(registryKey, namespace string) MainOption {
	return func(defaults map[string]string) {
		defaults["REGISTRY_KEY"], defaults["RUNTIME_NAMESPACE"] = registryKey, namespace
	}
}

func run(name string, setup func(app *App) (Setup, error), opts []MainOption) error {
	defaults := map[string]string{}
	for _, o := range opts {
		o(defaults)
	}
	cfg, err := loadConfig(defaults)
	if err != nil {
		return err
	}
	logger, err := NewLogger(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = logger.Sync() }()
	logger = logger.With(zap.String("process", name))
	client, err := NewRedisClient(cfg)
	if err != nil {
		return err
	}
	// The client is not closed: the process exits once Run returns, and
	// with Redis down asynq may still be stopping then (see Runtime), and
	// it panics on a closed client.

	app := &App{Config: cfg, Redis: client, Logger: logger, Metrics: NewMetricsIn(cfg.Namespace)}
	s, err := setup(app)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	rt := New(cfg, client, logger, app.Metrics)
	for _, fn := range s.Functions {
		if err := rt.Register(fn); err != nil {
			return err
		}
	}
	return process.Run(process.Params{
		HTTP: httpParams(cfg, logger, app.Metrics, rt, s), Logger: logger, ShutdownTimeout: cfg.ShutdownTimeout,
		Run: rt.Run, Stopping: s.Stopping, Background: s.Background,
	})
}

// httpParams are the server of /healthz, /readyz (rt and s.Ready),
// /metrics (m) and s.HTTP.
func httpParams(cfg Config, logger *zap.Logger, m *Metrics, rt *Runtime, s Setup) httpserver.Params {
	return httpserver.Params{
		Host: cfg.ListenHost, Port: cfg.Port, Logger: logger, Metrics: m.Handler(), Routes: s.HTTP,
		Ready: process.AllReady(rt.Ready, s.Ready), Reason: health.Reason,
	}
}

// NewRedisClient builds the client of every process and tool: a
// *redis.ClusterClient from cfg.RedisClusterURL when it is set, else a
// single-node client from cfg.RedisURL. redis:// and rediss:// (TLS) URLs
// are accepted, with user, password and (single node) database; the
// client reconnects by itself, so a Redis that goes away is retried, not
// fatal. An error names the variable, with the password masked.
func NewRedisClient(cfg Config) (redis.UniversalClient, error) {
	if cfg.RedisClusterURL != "" {
		return process.NewRedisClusterClient(cfg.RedisClusterURL, cfg.ReadBlock, cfg.Concurrency)
	}
	return process.NewRedisClient(cfg.RedisURL, cfg.ReadBlock, cfg.Concurrency)
}

// NewLogger builds the process logger: JSON for production, console for
// development (cfg.LogFormat), at cfg.LogLevel.
func NewLogger(cfg Config) (*zap.Logger, error) {
	return process.NewLogger(cfg.LogLevel, cfg.LogFormat)
}
