// Package redisfault makes a test's own go-redis client to a real Redis
// fail the way the client of a dead process does: a Hook decides, command
// by command, whether the client "dies" before or after a command, and
// from then on every command and pipeline fails with ErrDied. Tests use it
// to cut a sequence of commands (a replay's claim, its enqueue, keeping
// the claim) at an exact point, against a real Redis, without mocks.
package redisfault

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
)

// ErrDied is what a client answers once its Hook has died.
var ErrDied = errors.New("redisfault: the process died")

// Hook is a go-redis hook. Before and After are optional.
type Hook struct {
	// Before runs before each command; die true makes this command and
	// every later one fail with ErrDied, a non-nil err fails this one
	// only.
	Before func(ctx context.Context, cmd redis.Cmder) (die bool, err error)
	// After runs after each command that reached Redis, with its error;
	// die true makes every later command fail.
	After func(cmd redis.Cmder, err error) (die bool)
	dead  atomic.Bool
}

// NewClient returns a client with opts and h as its hook, closed when the
// test ends.
func NewClient(t testing.TB, opts *redis.Options, h *Hook) *redis.Client {
	c := redis.NewClient(opts)
	c.AddHook(h)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Kill makes every later command fail.
func (h *Hook) Kill() { h.dead.Store(true) }

// Dead reports whether the client has died.
func (h *Hook) Dead() bool { return h.dead.Load() }

// DialHook dials as usual.
func (h *Hook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

// ProcessHook runs Before, the command unless the client died, and After.
func (h *Hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !h.dead.Load() && h.Before != nil {
			die, err := h.Before(ctx, cmd)
			if die {
				h.Kill()
			} else if err != nil {
				cmd.SetErr(err)
				return err
			}
		}
		if h.dead.Load() {
			cmd.SetErr(ErrDied)
			return ErrDied
		}
		err := next(ctx, cmd)
		if h.After != nil && h.After(cmd, err) {
			h.Kill()
		}
		return err
	}
}

// ProcessPipelineHook fails a pipeline of a dead client.
func (h *Hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if h.dead.Load() {
			for _, c := range cmds {
				c.SetErr(ErrDied)
			}
			return ErrDied
		}
		return next(ctx, cmds)
	}
}

// Set is what a SET command writes: its key and its condition ("nx",
// "xx" or "").
type Set struct {
	Key, Cond string
}

// SetOf reads cmd as a SET; ok is false for any other command.
func SetOf(cmd redis.Cmder) (s Set, ok bool) {
	args := cmd.Args()
	if len(args) < 3 || !strings.EqualFold(cmd.Name(), "set") {
		return s, false
	}
	s.Key, _ = args[1].(string)
	for _, a := range args[3:] {
		if c, isString := a.(string); isString && (strings.EqualFold(c, "nx") || strings.EqualFold(c, "xx")) {
			s.Cond = strings.ToLower(c)
		}
	}
	return s, true
}
