package runtime

import (
	"time"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/entry"
	"github.com/ordershop/functions/runtime/internal/invocation"
)

// buildChain builds the one handler chain of fn that a running function
// and Invoke (metricsFor nil: no metrics) run: the runtime's links, in
// internal/invocation's order, around fn.Middleware and fn.Handler.
func buildChain(fn Function, metricsFor func(stream string) *engine.StreamMetrics, logFailure func(*Message, error)) Handler {
	links := invocation.Links[*Message]{
		Timeout: fn.Timeout, LogFailure: logFailure,
		Fresh: func(msg *Message) { msg.emits = msg.emits[:0] },
		CheckEmits: func(msg *Message) error {
			for _, e := range msg.emits {
				if err := entry.CheckEmit(e.Stream, e.Fields); err != nil {
					return err
				}
			}
			return nil
		},
	}
	if metricsFor != nil {
		links.MetricsFor = func(msg *Message) *engine.StreamMetrics { return metricsFor(msg.Stream) }
	}
	return HandlerFunc(invocation.Chain(Chain(fn.Handler, fn.Middleware...).Handle, links))
}

// observed is invocation.Observed: true if the invocation failed.
func observed(m *engine.StreamMetrics, start time.Time, err error) bool {
	return invocation.Observed(m, start, err)
}
