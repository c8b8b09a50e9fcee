package bench

import (
	"context"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// sentCounter is a go-redis hook that counts the commands a client sends,
// by lower-case name, so that a drain's INFO commandstats can be split
// into the calls of this process and the calls made inside scripts. Its
// cost is a map update under a lock per command.
type sentCounter struct {
	mu     sync.Mutex
	counts map[string]int64
}

// sentCounters holds the counter of each client CountSent instrumented.
var sentCounters sync.Map // redis.UniversalClient → *sentCounter

// CountSent makes rdb count the commands it sends (once per client), so
// that the drains on it tell the commands called inside scripts from the
// ones sent by this process.
func CountSent(rdb redis.UniversalClient) {
	c := &sentCounter{counts: map[string]int64{}}
	if _, loaded := sentCounters.LoadOrStore(rdb, c); !loaded {
		rdb.AddHook(c)
	}
}

// sentSnapshot returns a copy of rdb's counts, or nil when CountSent was
// not called on it.
func sentSnapshot(rdb redis.UniversalClient) map[string]int64 {
	v, ok := sentCounters.Load(rdb)
	if !ok {
		return nil
	}
	c := v.(*sentCounter)
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.counts))
	for k, n := range c.counts {
		out[k] = n
	}
	return out
}

// sentSince returns the growth of each count from before to after (nil
// when either is nil).
func sentSince(before, after map[string]int64) map[string]int64 {
	if before == nil || after == nil {
		return nil
	}
	out := make(map[string]int64, len(after))
	for k, n := range after {
		if d := n - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func (c *sentCounter) count(cmds []redis.Cmder) {
	c.mu.Lock()
	for _, cmd := range cmds {
		c.counts[strings.ToLower(cmd.Name())]++
	}
	c.mu.Unlock()
}

// DialHook passes dials through.
func (c *sentCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts a single command.
func (c *sentCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.count([]redis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts every command of a pipeline.
func (c *sentCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.count(cmds)
		return next(ctx, cmds)
	}
}

var _ redis.Hook = (*sentCounter)(nil)
