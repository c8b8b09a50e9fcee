package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/ops"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// streams is the process's environment as the commands see it.
type streams struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// dir is the folder where .env and .env.run are looked for; "" is
	// the current directory.
	dir string
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
	// redis is where client points, set with it.
	redis redisSource
}

// ops returns the operator API on the shop's Redis (findRedis). The first
// call says on stderr which Redis that is, password masked.
func (a *app) ops() (*ops.Ops, error) {
	if a.client == nil {
		src, err := findRedis(a.getenv, a.dir)
		if err != nil {
			return nil, err
		}
		fmt.Fprintln(a.stderr, src)
		c, err := runtime.NewRedisClient(runtime.Config{RedisURL: src.url})
		if err != nil {
			return nil, err
		}
		a.client, a.redis = c, src
	}
	return ops.New(a.client).WithRegistryKey(model.RegistryKey), nil
}

// redisURL is the Redis the commands talk to, for messages, without its
// password.
func (a *app) redisURL() string { return a.redis.redacted() }

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
