package runtime

import (
	"context"
	"time"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/engine/watch"
)

// observe counts every invocation in the function's metrics (in flight,
// latency, failed) and writes the one log line of a failed one. An
// invocation the watchdog gave up was counted then (host.ObserveGivenUp).
func observe(metricsFor func(stream string) *engine.StreamMetrics, logFailure func(*Message, error)) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, msg *Message) error {
			m := metricsFor(msg.Stream)
			m.InFlight.Inc()
			start := time.Now()
			err := next.Handle(ctx, msg)
			if w, ok := watch.Inline(ctx); ok && w.GivenUp() {
				return err
			}
			if observed(m, start, err) {
				logFailure(msg, err)
			}
			return err
		})
	}
}

// observed counts the end of an invocation that began at start; true if
// it failed.
func observed(m *engine.StreamMetrics, start time.Time, err error) bool {
	m.Latency.Observe(time.Since(start).Seconds())
	m.InFlight.Dec()
	if err != nil {
		m.Failed.Inc()
	}
	return err != nil
}
