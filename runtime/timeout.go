package runtime

import (
	"context"
	"time"

	"github.com/ordershop/functions/runtime/internal/engine/watch"
)

// timeout bounds an invocation to d. A stream entry's invocation runs
// under its watch, a context the pool's watchdog cancels at the deadline
// and gives up a grace of 100ms later (no timer or goroutine per
// invocation, see internal/engine/watch); any other (a retry task,
// Invoke) gets a deadline here. A failure after the deadline says
// "invocation timed out after d". When the watchdog gave the invocation
// up meanwhile, the attempt was settled then, and what the handler
// returns at last is dropped.
func timeout(d time.Duration) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, msg *Message) error {
			w, inline := watch.Inline(ctx)
			parent := ctx
			if inline {
				parent = w.Parent()
			} else {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, d)
				defer cancel()
			}
			err := next.Handle(ctx, msg)
			if inline && !w.Returned() {
				return err // given up meanwhile
			}
			return watch.TimedOut(err, d, ctx, parent)
		})
	}
}
