package dashboard_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redisfault"
	"github.com/ordershop/functions/runtime/inspect"
)

// errDied is what a client answers once its fault made it "die".
var errDied = redisfault.ErrDied

// fault is a go-redis hook (redisfault) on a test's own client to the
// real Redis. It watches the replay claims (SET inspect.ReplayClaimKey NX)
// of one function: it counts the successful ones per dead letter, can hold
// the claim after holdAfter of them until release, and can make the client
// fail every command from the claim after dieAfter on, as the client of a
// process that died would. kill does that at once; failSets fails the
// SETs only.
type fault struct {
	redisfault.Hook
	claimPrefix string
	holdAfter   int // 0: never hold
	dieAfter    int // 0: never die
	hold, held  chan struct{}
	heldOnce    sync.Once
	// failSets fails every SET (a Redis that refuses writes, say OOM).
	failSets atomic.Bool

	mu       sync.Mutex
	attempts int
	claimed  map[string]int
}

// newFault watches function's replay claims.
func newFault(function string) *fault {
	f := &fault{claimPrefix: inspect.ReplayClaimKey(function, ""), hold: make(chan struct{}), held: make(chan struct{}), claimed: map[string]int{}}
	f.Before = f.before
	f.After = f.after
	return f
}

// client returns a new client to the test's Redis with f as its hook,
// closed when the test ends.
func (f *fault) client(t *testing.T) *redis.Client {
	return redisfault.NewClient(t, srv.Options(), &f.Hook)
}

// release lets a held claim, and every later one, go on.
func (f *fault) release() { close(f.hold) }

// kill makes every later command fail.
func (f *fault) kill() { f.Kill() }

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

// before fails SETs while failSets, and holds or dies at a claim as
// configured.
func (f *fault) before(ctx context.Context, cmd redis.Cmder) (bool, error) {
	set, isSet := redisfault.SetOf(cmd)
	if isSet && f.failSets.Load() {
		return false, errDied
	}
	if !isSet || set.Cond != "nx" || !strings.HasPrefix(set.Key, f.claimPrefix) {
		return false, nil
	}
	f.mu.Lock()
	f.attempts++
	n := f.attempts
	f.mu.Unlock()
	if f.dieAfter > 0 && n > f.dieAfter {
		return true, nil
	}
	if f.holdAfter > 0 && n > f.holdAfter {
		f.heldOnce.Do(func() { close(f.held) })
		select {
		case <-f.hold:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	return false, nil
}

// after counts a successful claim.
func (f *fault) after(cmd redis.Cmder, err error) bool {
	set, isSet := redisfault.SetOf(cmd)
	if b, ok := cmd.(*redis.BoolCmd); ok && err == nil && b.Val() && isSet && set.Cond == "nx" && strings.HasPrefix(set.Key, f.claimPrefix) {
		f.mu.Lock()
		f.claimed[strings.TrimPrefix(set.Key, f.claimPrefix)]++
		f.mu.Unlock()
	}
	return false
}
