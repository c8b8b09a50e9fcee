package runtime

import (
	"context"

	"github.com/ordershop/functions/runtime/internal/engine"
)

// buildChain builds the handler chain of fn: the one chain a running
// function (stream entries and retry tasks alike) and Invoke run, so that
// what a test sees through Invoke is the real wiring. Outermost first:
//
//	observe     metrics (in flight, latency, failed) and the failure log
//	            line; left out when metricsFor is nil (Invoke)
//	timeout     the invocation's deadline (Function.Timeout) and its
//	            "timed out after" wording (timeout.go)
//	recoverer   a panic becomes a *PanicError (recoverer.go)
//	limitEmits  an emitted event over the size limit fails permanently,
//	            whoever emitted it: the handler or a middleware
//	fn.Middleware, outermost first
//	fn.Handler
//
// Every invocation starts with no emitted events (a retry in place runs
// the same Message again).
func buildChain(fn Function, metricsFor func(stream string) *engine.StreamMetrics, logFailure func(*Message, error)) Handler {
	mws := make([]Middleware, 0, 4+len(fn.Middleware))
	mws = append(mws, freshEmits)
	if metricsFor != nil {
		mws = append(mws, observe(metricsFor, logFailure))
	}
	mws = append(mws, timeout(fn.Timeout), recoverer, limitEmits)
	mws = append(mws, fn.Middleware...)
	return Chain(fn.Handler, mws...)
}

// freshEmits drops the events an earlier attempt of msg emitted.
func freshEmits(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, msg *Message) error {
		msg.emits = msg.emits[:0]
		return next.Handle(ctx, msg)
	})
}
