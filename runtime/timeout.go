package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// abandonGrace is how long a handler whose time is up (its context
// cancelled) may take to return before its attempt is given up as failed
// and the handler left running on its own (see watchdog.go).
const abandonGrace = 100 * time.Millisecond

// timeout bounds an invocation to d. A stream entry's invocation runs
// under its watch, a context the pool's watchdog cancels at the deadline
// and gives up abandonGrace later (no timer or goroutine per invocation);
// any other (a retry task, Invoke) gets a deadline here. A failure after
// the deadline says "invocation timed out after d". When the watchdog gave
// the invocation up meanwhile, the attempt was settled then, and what the
// handler returns at last is dropped.
func timeout(d time.Duration) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, msg *Message) error {
			w, inline := ctx.(*watch)
			parent := ctx
			if inline {
				parent = w.parent
			} else {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			err := next.Handle(ctx, msg)
			if inline && !w.state.CompareAndSwap(watchRunning, watchReturned) {
				return err // given up meanwhile
			}
			return timedOut(err, d, ctx, parent)
		})
	}
}

// timedOut words err as a timeout when the invocation's context ctx ran
// past its deadline while the runtime's, parent, still ran.
func timedOut(err error, d time.Duration, ctx, parent context.Context) error {
	if err != nil && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("invocation timed out after %v: %w", d, err)
	}
	return err
}

// givenUp is the failure of an invocation the watchdog gave up.
func givenUp(w *watch, d time.Duration) error {
	err := fmt.Errorf("handler did not return within %v of its end: %w", abandonGrace, w.Err())
	return timedOut(err, d, w, w.parent)
}
