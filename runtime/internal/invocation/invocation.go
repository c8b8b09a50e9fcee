// Package invocation builds the runtime's links of a function's handler
// chain (Chain): metrics and the failure log line around an invocation,
// its deadline and "timed out after" wording, panic recovery and the
// limit on emitted events. Each wraps next, the rest of the chain.
//
// runtime's buildChain (chain.go) builds a function's handler chain with
// Chain: the one chain a running function (stream entries and retry tasks alike) and
// runtime.Invoke run, so that what a test sees through Invoke is the real
// wiring. Outermost first:
//
//	fresh       drops the events an earlier attempt emitted (a retry in
//	            place runs the same Message again)
//	Observe     metrics (in flight, latency, failed) and the failure log
//	            line; left out in Invoke
//	Timeout     the invocation's deadline (Function.Timeout) and its
//	            "timed out after" wording
//	Recover     a panic becomes a *runtime.PanicError
//	checkEmits  an emitted event over the size limit fails permanently,
//	            whoever emitted it: the handler or a middleware
//	Function.Middleware, outermost first
//	Function.Handler
package invocation

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/engine/watch"
	"github.com/ordershop/functions/runtime/internal/failure"
)

// Links are what the runtime's links need of a function and of its
// messages M.
type Links[M any] struct {
	// Timeout bounds one invocation (Function.Timeout).
	Timeout time.Duration
	// MetricsFor gives the metrics of a message's stream; nil leaves
	// Observe out (runtime.Invoke).
	MetricsFor func(M) *engine.StreamMetrics
	// LogFailure writes the one log line of a failed invocation.
	LogFailure func(M, error)
	// Fresh drops the events an earlier attempt of the message emitted.
	Fresh func(M)
	// CheckEmits fails an invocation whose emitted events could never be
	// written (over the size limit); it runs after a successful one.
	CheckEmits func(M) error
}

// Chain wraps inner (the function's middleware and handler) in the
// runtime's links, in the order of the package doc.
func Chain[M any](inner Call[M], l Links[M]) Call[M] {
	c := checkEmits(inner, l.CheckEmits)
	c = Recover(c)
	c = Timeout(c, l.Timeout)
	if l.MetricsFor != nil {
		c = Observe(c, l.MetricsFor, l.LogFailure)
	}
	return func(ctx context.Context, msg M) error {
		l.Fresh(msg)
		return c(ctx, msg)
	}
}

// checkEmits runs check after a successful invocation of next.
func checkEmits[M any](next Call[M], check func(M) error) Call[M] {
	return func(ctx context.Context, msg M) error {
		if err := next(ctx, msg); err != nil {
			return err
		}
		return check(msg)
	}
}

// Call is one step of a handler chain: the rest of the chain, run on a
// message of type M (runtime's Handler.Handle).
type Call[M any] func(ctx context.Context, msg M) error

// Observe counts every invocation of next in the metrics of its message
// (metricsFor: in flight, latency, failed) and calls logFailure for a
// failed one. An invocation the watchdog gave up was counted then
// (runtime's host.ObserveGivenUp).
func Observe[M any](next Call[M], metricsFor func(M) *engine.StreamMetrics, logFailure func(M, error)) Call[M] {
	return func(ctx context.Context, msg M) error {
		m := metricsFor(msg)
		m.InFlight.Inc()
		start := time.Now()
		err := next(ctx, msg)
		if w, ok := watch.Inline(ctx); ok && w.GivenUp() {
			return err
		}
		if Observed(m, start, err) {
			logFailure(msg, err)
		}
		return err
	}
}

// Observed counts the end of an invocation that began at start; true if
// it failed.
func Observed(m *engine.StreamMetrics, start time.Time, err error) bool {
	m.Latency.Observe(time.Since(start).Seconds())
	m.InFlight.Dec()
	if err != nil {
		m.Failed.Inc()
	}
	return err != nil
}

// Timeout bounds every invocation of next to d. A stream entry's invocation runs under its
// watch, a context the pool's watchdog cancels at the deadline and gives
// up a grace of 100ms later (no timer or goroutine per invocation, see
// internal/engine/watch); any other (a retry task, Invoke) gets a deadline
// here. A failure after the deadline says "invocation timed out after d".
// When the watchdog gave the invocation up meanwhile, the attempt was
// settled then, and what next returns at last is dropped.
func Timeout[M any](next Call[M], d time.Duration) Call[M] {
	return func(ctx context.Context, msg M) error {
		w, inline := watch.Inline(ctx)
		parent := ctx
		if inline {
			parent = w.Parent()
		} else {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		err := next(ctx, msg)
		if inline && !w.Returned() {
			return err // given up meanwhile
		}
		return watch.TimedOut(err, d, ctx, parent)
	}
}

// Recover turns a panic of next (the handler or a middleware inside it)
// into a *failure.PanicError with the stack: the attempt fails like any
// other. It catches panic(nil) too.
func Recover[M any](next Call[M]) Call[M] {
	return func(ctx context.Context, msg M) (err error) {
		done := false
		defer func() {
			if !done {
				err = &failure.PanicError{Value: recover(), Stack: debug.Stack()}
			}
		}()
		err = next(ctx, msg)
		done = true
		return err
	}
}
