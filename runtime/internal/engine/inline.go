package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// What the runtime's handler chain needs of an invocation running inline
// on a worker (its timeout middleware and its metrics, see runtime's
// timeout.go and observe.go).

// abandonGrace is how long a handler whose time is up (its context
// cancelled) may take to return before its attempt is given up as failed
// and the handler left running on its own (see watchdog.go).
const abandonGrace = 100 * time.Millisecond

// Inline returns the watch of the invocation ctx belongs to, when it is a
// stream entry's invocation running inline on a worker.
func Inline(ctx context.Context) (*Watch, bool) {
	w, ok := ctx.(*Watch)
	return w, ok
}

// Parent is the handlers' context the invocation runs under.
func (w *Watch) Parent() context.Context { return w.parent }

// Returned marks the invocation's handler returned; false if the
// watchdog gave it up first (its attempt was settled then).
func (w *Watch) Returned() bool { return w.state.CompareAndSwap(watchRunning, watchReturned) }

// GivenUp reports whether the watchdog gave the invocation up.
func (w *Watch) GivenUp() bool { return w.state.Load() == watchGivenUp }

// TimedOut words err as a timeout after d when the invocation's context
// ctx ran past its deadline while the runtime's, parent, still ran.
func TimedOut(err error, d time.Duration, ctx, parent context.Context) error {
	if err != nil && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("invocation timed out after %v: %w", d, err)
	}
	return err
}

// givenUp is the failure of an invocation the watchdog gave up.
func givenUp(w *Watch, d time.Duration) error {
	err := fmt.Errorf("handler did not return within %v of its end: %w", abandonGrace, w.Err())
	return TimedOut(err, d, w, w.parent)
}
