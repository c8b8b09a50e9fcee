// Package slotaudit checks that code is Redis Cluster slot-safe: every
// unit of work it sends — a command, a MULTI block, a Lua script with the
// commands the script runs — touches keys of one hash slot only. It runs
// against a redistest.OneNodeCluster: a go-redis hook records what the
// client sends, MONITOR records what scripts do inside Redis, and COMMAND
// GETKEYS and CLUSTER KEYSLOT on the node say which keys and slots each
// unit has.
//
// Redis refuses most violations on a cluster itself (CROSSSLOT); the
// audit also finds those it lets through: a script touching an undeclared
// key of another slot (which works on a node that serves both slots, and
// fails on a real cluster), and multi-key commands a client splits per
// slot without saying so.
package slotaudit

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// unit is the args of the commands of one unit of work.
type unit [][]any

// hook is a go-redis hook recording every command a client sends, alone or
// in a pipeline, as a unit of its own, and a MULTI ... EXEC block as one
// unit. Scripts are left to the monitor, which sees what they run.
type hook struct {
	mu    sync.Mutex
	units []unit
}

// DialHook is part of redis.Hook.
func (h *hook) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook records a command sent alone.
func (h *hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.record([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook records each command of a pipeline, or a MULTI
// block as one unit.
func (h *hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 1 && cmds[0].Name() == "multi" {
			h.record(cmds[1 : len(cmds)-1])
		} else {
			for _, c := range cmds {
				h.record([]redis.Cmder{c})
			}
		}
		return next(ctx, cmds)
	}
}

func (h *hook) record(cmds []redis.Cmder) {
	u := make(unit, 0, len(cmds))
	for _, c := range cmds {
		if isScript(c.Name()) {
			continue
		}
		u = append(u, append([]any(nil), c.Args()...))
	}
	if len(u) == 0 {
		return
	}
	h.mu.Lock()
	h.units = append(h.units, u)
	h.mu.Unlock()
}

func (h *hook) recorded() []unit {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]unit(nil), h.units...)
}

// isScript tells the commands that run a script: the monitor audits them.
func isScript(name string) bool {
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return true
	}
	return false
}
