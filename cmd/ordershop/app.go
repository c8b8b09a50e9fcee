package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/ordershop/functions/internal/shop/shopfn"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
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
		c, err := runtime.NewRedisClient(src.config())
		if err != nil {
			return nil, err
		}
		a.client, a.redis = c, src
	}
	return ops.New(a.client, shopfn.Conventions), nil
}

// opsRun is the RunE of a command on the operator API: it builds the API
// (ops) only when the command runs, after cobra checked its arguments
// (Args) and the command its flags (PreRunE), so a mistake never needs
// Redis.
func (a *app) opsRun(run func(cmd *cobra.Command, o *ops.Ops, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		o, err := a.ops()
		if err != nil {
			return err
		}
		return run(cmd, o, args)
	}
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
