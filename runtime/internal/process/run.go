package process

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/httpserver"
)

// Params is what Run runs.
type Params struct {
	// HTTP is the server of /healthz, /readyz, /metrics and the routes.
	HTTP   httpserver.Params
	Logger *zap.Logger
	// ShutdownTimeout bounds the HTTP drain, beside the runtime's.
	ShutdownTimeout time.Duration
	// Run runs the runtime until its ctx ends (Runtime.Run).
	Run func(ctx context.Context) error
	// Stopping and Background are Setup's (see runtime.Setup); nil for none.
	Stopping   func()
	Background func(ctx context.Context) error
}

// Run serves HTTP and runs p.Run and p.Background until SIGTERM or
// SIGINT, then drains: on the signal Stopping is called and the HTTP
// server drains beside the runtime, under the same timeout. Run returns
// once all three have: the HTTP server's error, else the background
// duty's, else the runtime's ("stopped" is logged after a clean stop).
func Run(p Params) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	srv, err := httpserver.New(p.HTTP)
	if err != nil {
		return err
	}
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve() }()
	httpDown := make(chan struct{})
	go func() {
		defer close(httpDown)
		<-ctx.Done()
		if p.Stopping != nil {
			p.Stopping()
		}
		if err := srv.Shutdown(p.ShutdownTimeout); err != nil {
			p.Logger.Warn("http shutdown", zap.Error(err))
		}
	}()

	background := make(chan error, 1)
	if p.Background != nil {
		go func() { background <- p.Background(ctx) }()
	} else {
		background <- nil
	}

	runErr := p.Run(ctx)
	stop()
	<-httpDown
	bgErr := <-background
	if err := <-httpErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("http: %w", err)
	}
	if bgErr != nil {
		return fmt.Errorf("background: %w", bgErr)
	}
	if runErr != nil {
		return runErr
	}
	p.Logger.Info("stopped")
	return nil
}

// AllReady is a readiness condition that holds when every one of conds
// does (a nil one is left out), checked in order.
func AllReady(conds ...func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		for _, c := range conds {
			if c == nil {
				continue
			}
			if err := c(ctx); err != nil {
				return err
			}
		}
		return nil
	}
}
