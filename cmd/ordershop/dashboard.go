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

	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops"
)

// Environment variables of the dashboard.
const (
	envAdminToken    = "ADMIN_TOKEN"
	envReadOnlyToken = "ADMIN_READONLY_TOKEN"
	envPort          = "PORT"
	// defaultDashboardPort is the port without $PORT or --addr.
	defaultDashboardPort = "8090"
	// dashboardShutdown bounds how long requests in flight may finish
	// after Ctrl-C.
	dashboardShutdown = 5 * time.Second
)

func newDashboardCmd(a *app) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Serve the web dashboard: functions, dead letters, replay and purge",
		Long: `Serve the operators' web dashboard on --addr (default 127.0.0.1:$PORT, or
127.0.0.1:` + defaultDashboardPort + ` without $PORT): every function's lag, pending, retrying,
dead and consumers; each function's dead letters, searched by error text,
event type and time; one dead letter's fields; replay and purge, each
confirmed with the count first. It reads the same Redis as the other
commands and stops on Ctrl-C.

Every page needs a login with ` + envAdminToken + ` (required: the command refuses to
start without it). ` + envReadOnlyToken + `, if set, logs in sessions that see every
page but may not replay or purge. It listens on loopback unless --addr says
otherwise; serve it beyond this machine only behind HTTPS.`,
		Example: "  ADMIN_TOKEN=$(openssl rand -hex 24) ordershop dashboard\n  ordershop dashboard --addr 127.0.0.1:9000",
		Args:    positional(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			if a.getenv(envAdminToken) == "" {
				return usagef("the dashboard needs an admin token: set %s (for example to the output of `openssl rand -hex 24`)", envAdminToken)
			}
			if addr == "" {
				addr = dashboardAddr(a.getenv(envPort))
			}
			return nil
		},
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, _ []string) error {
			return a.serveDashboard(cmd.Context(), o, addr)
		}),
	}
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (default 127.0.0.1:$PORT or 127.0.0.1:"+defaultDashboardPort+")")
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
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()), zapcore.AddSync(a.stderr), zap.InfoLevel))
	h, err := dashboard.New(dashboard.Config{
		Ops: o, Token: a.getenv(envAdminToken), ReadOnlyToken: a.getenv(envReadOnlyToken), Title: "OrderShop Functions", Logger: log,
	})
	if err != nil {
		return usageError{err}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		fmt.Fprintf(a.stderr, "dashboard: listening beyond loopback on %s: serve it behind HTTPS\n", ln.Addr())
	}
	fmt.Fprintf(a.stderr, "dashboard: http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: zap.NewStdLog(log)}
	srv.RegisterOnShutdown(h.CloseLive) // live streams end, so Shutdown need not wait for them
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
