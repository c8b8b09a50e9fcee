package dashboard_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/inspect"
)

// errDied is what a client answers once its fault made it "die".
var errDied = errors.New("fault: the process died")

// fault is a go-redis hook on a test's own client to the real Redis. It
// watches the replay claims (SET inspect.ReplayClaimKey NX) of one
// function: it counts the successful ones per dead letter, can hold the
// claim after holdAfter of them until release, and can make the client
// fail every command from the claim after dieAfter on, as the client of
// a process that died would. kill does that at once; failSets fails the
// SETs only.
type fault struct {
	claimPrefix string
	holdAfter   int // 0: never hold
	dieAfter    int // 0: never die
	hold, held  chan struct{}
	heldOnce    sync.Once
	dead        atomic.Bool
	// failSets fails every SET (a Redis that refuses writes, say OOM).
	failSets atomic.Bool

	mu       sync.Mutex
	attempts int
	claimed  map[string]int
}

// newFault watches function's replay claims.
func newFault(function string) *fault {
	return &fault{claimPrefix: inspect.ReplayClaimKey(function, ""), hold: make(chan struct{}), held: make(chan struct{}), claimed: map[string]int{}}
}

// client returns a new client to the test's Redis with f as its hook,
// closed when the test ends.
func (f *fault) client(t *testing.T) *redis.Client {
	c := redis.NewClient(srv.Options())
	c.AddHook(f)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// release lets a held claim, and every later one, go on.
func (f *fault) release() { close(f.hold) }

// kill makes every later command fail.
func (f *fault) kill() { f.dead.Store(true) }

// waitHeld waits until a claim is held.
func (f *fault) waitHeld(t *testing.T) {
	t.Helper()
	select {
	case <-f.held:
	case <-time.After(30 * time.Second):
		t.Fatal("no replay claim was held within 30s")
	}
}

// claims returns the successful claims per dead-letter id.
func (f *fault) claims() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]int, len(f.claimed))
	for k, v := range f.claimed {
		out[k] = v
	}
	return out
}

func (f *fault) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) { return next(ctx, network, addr) }
}

func (f *fault) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if f.dead.Load() || f.failSets.Load() && strings.EqualFold(cmd.Name(), "set") {
			cmd.SetErr(errDied)
			return errDied
		}
		id, isClaim := f.claimOf(cmd)
		if !isClaim {
			return next(ctx, cmd)
		}
		if err := f.beforeClaim(ctx); err != nil {
			cmd.SetErr(err)
			return err
		}
		err := next(ctx, cmd)
		if b, ok := cmd.(*redis.BoolCmd); ok && err == nil && b.Val() {
			f.mu.Lock()
			f.claimed[id]++
			f.mu.Unlock()
		}
		return err
	}
}

func (f *fault) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if f.dead.Load() {
			for _, c := range cmds {
				c.SetErr(errDied)
			}
			return errDied
		}
		return next(ctx, cmds)
	}
}

// claimOf returns the dead-letter id a replay claim is for.
func (f *fault) claimOf(cmd redis.Cmder) (string, bool) {
	args := cmd.Args()
	if len(args) < 3 || !strings.EqualFold(cmd.Name(), "set") {
		return "", false
	}
	key, _ := args[1].(string)
	id, ok := strings.CutPrefix(key, f.claimPrefix)
	return id, ok
}

// beforeClaim counts a claim about to be sent, and holds it or dies as
// configured.
func (f *fault) beforeClaim(ctx context.Context) error {
	f.mu.Lock()
	f.attempts++
	n := f.attempts
	f.mu.Unlock()
	if f.dieAfter > 0 && n > f.dieAfter {
		f.kill()
		return errDied
	}
	if f.holdAfter > 0 && n > f.holdAfter {
		f.heldOnce.Do(func() { close(f.held) })
		select {
		case <-f.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
