// Package watch is the context of a handler invocation that runs inline
// on a pool's worker goroutine (no goroutine, timer or context of the
// standard library per invocation), and the pool's watchdog (Dog), which
// cancels it at its deadline and, if the handler has not returned
// AbandonGrace later, gives the invocation up. The runtime's handler
// chain reads it (Inline) for its timeout wording and its metrics.
package watch

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// AbandonGrace is how long a handler whose time is up (its context
// cancelled) may take to return before its attempt is given up as failed
// and the handler left running on its own (see Dog).
const AbandonGrace = 100 * time.Millisecond

// Watch states.
const (
	running int32 = iota
	returned
	givenUp
)

// Watch is one invocation running inline on a worker; it is also the
// handler's context.
type Watch struct {
	invCtx
	// Started is when the invocation began.
	Started  time.Time
	giveUpAt atomic.Int64 // Unix ns
	state    atomic.Int32
	// giveUp carries on after the invocation was given up, on a new
	// goroutine that then serves as the worker; false if that goroutine
	// was given up in turn.
	giveUp func() bool
}

// New returns the watch of an invocation starting now under parent, with
// timeout; giveUp is what carries on if it is given up.
func New(parent context.Context, timeout time.Duration, giveUp func() bool) *Watch {
	now := time.Now()
	w := &Watch{
		invCtx:  invCtx{parent: parent, deadline: now.Add(timeout), done: make(chan struct{})},
		Started: now,
		giveUp:  giveUp,
	}
	w.giveUpAt.Store(w.deadline.Add(AbandonGrace).UnixNano())
	return w
}

// invCtx is an invocation's context: the runtime's handler context with
// a deadline, cancelled by the watchdog.
type invCtx struct {
	parent   context.Context
	deadline time.Time
	done     chan struct{}
	closed   atomic.Bool
	err      error
}

// Deadline is the invocation's timeout.
func (c *invCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Done is closed when the invocation's time is up or the runtime stops.
func (c *invCtx) Done() <-chan struct{} { return c.done }

// Err says why Done is closed.
func (c *invCtx) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Value is the parent's.
func (c *invCtx) Value(key any) any { return c.parent.Value(key) }

// Cancel closes the invocation's context with err (once).
func (c *invCtx) Cancel(err error) {
	if c.closed.CompareAndSwap(false, true) {
		c.err = err
		close(c.done)
	}
}

// Parent is the handlers' context the invocation runs under.
func (w *Watch) Parent() context.Context { return w.parent }

// Due reports whether the invocation is past its deadline at now.
func (w *Watch) Due(now time.Time) bool { return !now.Before(w.deadline) }

// Expires is the invocation's deadline.
func (w *Watch) Expires() time.Time { return w.deadline }

// GiveUpBy brings the time the invocation is given up forward to t.
func (w *Watch) GiveUpBy(t time.Time) { w.giveUpAt.Store(min(w.giveUpAt.Load(), t.UnixNano())) }

// TryGiveUp gives the invocation up if it is still running and its time
// to be given up has come at now; true if it did (then call CarryOn).
func (w *Watch) TryGiveUp(now time.Time) bool {
	return now.UnixNano() >= w.giveUpAt.Load() && w.state.CompareAndSwap(running, givenUp)
}

// CarryOn runs what carries on after the invocation was given up.
func (w *Watch) CarryOn() bool { return w.giveUp() }

// Returned marks the invocation's handler returned; false if the
// watchdog gave it up first (its attempt was settled then).
func (w *Watch) Returned() bool { return w.state.CompareAndSwap(running, returned) }

// HasReturned reports whether Returned marked the handler returned.
func (w *Watch) HasReturned() bool { return w.state.Load() == returned }

// GivenUp reports whether the watchdog gave the invocation up.
func (w *Watch) GivenUp() bool { return w.state.Load() == givenUp }

// Inline returns the watch ctx is, when it is a stream entry's
// invocation running inline on a worker.
func Inline(ctx context.Context) (*Watch, bool) {
	w, ok := ctx.(*Watch)
	return w, ok
}

// TimedOut words err as a timeout after d when the invocation's context
// ctx ran past its deadline while the runtime's, parent, still ran.
func TimedOut(err error, d time.Duration, ctx, parent context.Context) error {
	if err != nil && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("invocation timed out after %v: %w", d, err)
	}
	return err
}

// Failure is the failure of an invocation with timeout d that the
// watchdog gave up.
func (w *Watch) Failure(d time.Duration) error {
	err := fmt.Errorf("handler did not return within %v of its end: %w", AbandonGrace, w.Err())
	return TimedOut(err, d, w, w.parent)
}
