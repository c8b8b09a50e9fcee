package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/ops"
	"github.com/ordershop/functions/runtime"
)

// defaultRedisURL is used when REDIS_URL is unset.
const defaultRedisURL = "redis://127.0.0.1:6379/0"

// streams is the process's environment as the commands see it.
type streams struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// stdoutTTY and stderrTTY say whether output goes to a terminal:
	// status --watch redraws in place, replays show a progress bar.
	stdoutTTY, stderrTTY bool
}

// app is what every command shares: its streams, a clock and one Redis
// client, built on first use so that --help never needs Redis.
type app struct {
	streams
	now    func() time.Time
	client redis.UniversalClient
}

// ops returns the operator API on $REDIS_URL.
func (a *app) ops() (*ops.Ops, error) {
	if a.client == nil {
		u := a.getenv("REDIS_URL")
		if u == "" {
			u = defaultRedisURL
		}
		c, err := runtime.NewRedisClient(runtime.Config{RedisURL: u})
		if err != nil {
			return nil, err
		}
		a.client = c
	}
	return ops.New(a.client), nil
}

// redisURL is $REDIS_URL for messages, without its password.
func (a *app) redisURL() string {
	raw := a.getenv("REDIS_URL")
	if raw == "" {
		return defaultRedisURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable REDIS_URL)"
	}
	return u.Redacted()
}

// close releases the Redis client.
func (a *app) close() {
	if a.client != nil {
		_ = a.client.Close()
	}
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, s streams) int {
	a := &app{streams: s, now: time.Now}
	defer a.close()
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetOut(s.stdout)
	root.SetErr(s.stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	fmt.Fprintf(s.stderr, "ordershop: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) && cmd != nil {
		fmt.Fprintf(s.stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}
