package runtime

import (
	"context"
	"time"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/invocation"
)

// buildChain builds the one handler chain of fn that a running function
// and Invoke run (metricsFor nil: no metrics, as in Invoke); the order of
// its links is in internal/invocation's package doc.
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

func observe(metricsFor func(stream string) *engine.StreamMetrics, logFailure func(*Message, error)) Middleware {
	byStream := func(msg *Message) *engine.StreamMetrics { return metricsFor(msg.Stream) }
	return func(next Handler) Handler {
		return HandlerFunc(invocation.Observe(next.Handle, byStream, logFailure))
	}
}

// observed counts the end of an invocation that began at start; true if
// it failed.
func observed(m *engine.StreamMetrics, start time.Time, err error) bool {
	return invocation.Observed(m, start, err)
}

func timeout(d time.Duration) Middleware {
	return func(next Handler) Handler { return HandlerFunc(invocation.Timeout(next.Handle, d)) }
}

func recoverer(next Handler) Handler {
	return HandlerFunc(invocation.Recover(next.Handle, func(value any, stack []byte) error {
		return &PanicError{Value: value, Stack: stack}
	}))
}
