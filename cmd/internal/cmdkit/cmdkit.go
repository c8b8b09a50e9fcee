// Package cmdkit is what the module's commands (ordershop and
// ordershop-bench) share: how main runs a command line and how the
// commands print JSON.
package cmdkit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Main runs a command as the process: go-redis's own log lines off (see
// QuietRedis), ctx cancelled on SIGINT or SIGTERM, and run's result the
// exit code.
func Main(run func(ctx context.Context) int) {
	QuietRedis()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx)
	stop()
	os.Exit(code)
}

// QuietRedis drops go-redis's internal log lines (its dial retries): a
// command reports the error itself.
func QuietRedis() { redis.SetLogger(quietLogger{}) }

// quietLogger drops go-redis's internal log lines.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// WriteJSON prints v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}
