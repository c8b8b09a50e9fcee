package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops"
)

// Environment variables of the dashboard.
const (
	envAdminToken    = "ADMIN_TOKEN"
	envReadOnlyToken = "ADMIN_READONLY_TOKEN"
	envPort          = "PORT"
	// envSampleEvery is how often the dashboard samples every function's
	// lag and throughput for its chart (a Go duration; unset: 10s).
	envSampleEvery = "DASHBOARD_SAMPLE_EVERY"
	// defaultDashboardPort is the port without $PORT or --addr.
	defaultDashboardPort = "8090"
	// dashboardShutdown bounds how long requests in flight may finish
	// after Ctrl-C.
	dashboardShutdown = 5 * time.Second
)

func newDashboardCmd(a *app) *cobra.Command {
	var addr string
	var offWithoutToken bool
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Serve the web dashboard: functions, dead letters, replay and purge",
		Long: `Serve the operators' web dashboard on --addr (default 127.0.0.1:$PORT, or
127.0.0.1:` + defaultDashboardPort + ` without $PORT): every function's lag, pending, retrying,
dead and consumers, its events in and out per second and a chart of its
last hour (sampled every 10 s into Redis, so a restart keeps it); each
function's dead letters, searched by error text, event type and time; one
dead letter's fields; replay and purge, each confirmed with the count
first. It reads the same Redis as the other
commands and stops on Ctrl-C.

Every page needs a login with ` + envAdminToken + ` (required: the command refuses to
start without it). ` + envReadOnlyToken + `, if set, logs in sessions that see every
page but may not replay or purge. It listens on loopback unless --addr says
otherwise; serve it beyond this machine only behind HTTPS.

With --off-without-token and no ` + envAdminToken + `, it does not refuse to start: it serves
one page (503) saying how to turn the dashboard on, and nothing else. The
Procfile runs it so, so that ` + "`foreman start`" + ` without a token keeps the shop up
(foreman stops every process when one exits); ` + "`make run`" + ` always sets a token.`,
		Example: "  ADMIN_TOKEN=$(openssl rand -hex 24) ordershop dashboard\n  ordershop dashboard --addr 127.0.0.1:9000",
		Args:    positional(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			if addr == "" {
				addr = dashboardAddr(a.getenv(envPort))
			}
			if a.getenv(envAdminToken) == "" && !offWithoutToken {
				return usagef("the dashboard needs an admin token: set %s (for example to the output of `openssl rand -hex 24`)", envAdminToken)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if a.getenv(envAdminToken) == "" {
				fmt.Fprintf(a.stderr, "dashboard: off, %s is not set: every page says how to turn it on\n", envAdminToken)
				return a.serve(cmd.Context(), addr, dashboardOff{})
			}
			return a.opsRun(func(cmd *cobra.Command, o *ops.Ops, _ []string) error {
				return a.serveDashboard(cmd.Context(), o, addr)
			})(cmd, args)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (default 127.0.0.1:$PORT or 127.0.0.1:"+defaultDashboardPort+")")
	cmd.Flags().BoolVar(&offWithoutToken, "off-without-token", false, "without "+envAdminToken+", serve a page saying how to turn the dashboard on instead of refusing to start")
	return cmd
}

// dashboardAddr is the default address: loopback, on port or the default.
func dashboardAddr(port string) string {
	if port == "" {
		port = defaultDashboardPort
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// serveDashboard serves the dashboard on addr until ctx ends.
func (a *app) serveDashboard(ctx context.Context, o *ops.Ops, addr string) error {
	log := a.dashboardLogger()
	var every time.Duration
	if v := a.getenv(envSampleEvery); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return usagef("%s=%q: %v (for example 10s)", envSampleEvery, v, err)
		}
		every = d
	}
	h, err := dashboard.New(dashboard.Config{
		Ops: o, Token: a.getenv(envAdminToken), ReadOnlyToken: a.getenv(envReadOnlyToken), Title: "OrderShop Functions", Logger: log,
		KeyPrefix: model.DashboardKeyPrefix, SampleEvery: every,
	})
	if err != nil {
		return usageError{err}
	}
	defer h.Close() // after the server's shutdown: running jobs are recorded as interrupted
	sampling, stopSampling := context.WithCancel(ctx)
	sampled := make(chan error, 1)
	go func() { sampled <- h.Run(sampling) }() // the history the overview charts
	defer func() { stopSampling(); <-sampled }()
	return a.serve(ctx, addr, h)
}

// serve serves h on addr until ctx ends, then lets requests in flight
// finish within dashboardShutdown. Requests' contexts end with ctx, so
// that live streams (Server-Sent Events) stop at once.
func (a *app) serve(ctx context.Context, addr string, h http.Handler) error {
	log := a.dashboardLogger()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		fmt.Fprintf(a.stderr, "dashboard: listening beyond loopback on %s: serve it behind HTTPS\n", ln.Addr())
	}
	fmt.Fprintf(a.stderr, "dashboard: http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: zap.NewStdLog(log)}
	if c, ok := h.(interface{ CloseLive() }); ok {
		srv.RegisterOnShutdown(c.CloseLive) // live streams end, so Shutdown need not wait for them
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("dashboard: %w", err)
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), dashboardShutdown)
	defer cancel()
	if err := srv.Shutdown(stop); err != nil {
		return fmt.Errorf("dashboard shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// dashboardLogger logs to stderr, for people.
func (a *app) dashboardLogger() *zap.Logger {
	return zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(a.stderr), zap.InfoLevel))
}

// dashboardOff is what --off-without-token serves without a token: one
// page, 503, that says how to turn the dashboard on; no data.
type dashboardOff struct{}

func (dashboardOff) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	w.Header().Set("Retry-After", "60")
	w.WriteHeader(http.StatusServiceUnavailable)
	fmt.Fprint(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dashboard off</title></head>
<body><h1>The dashboard is off</h1><p>It needs an admin token: set `+envAdminToken+` in the environment
(for example to the output of <code>openssl rand -hex 24</code>) and start it again.
<code>make run</code> sets one for you in <code>.env.run</code>.</p></body></html>
`)
}
