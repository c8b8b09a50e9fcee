package runtime

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// observe counts every invocation in the function's metrics (in flight,
// latency, failed) and writes the one log line of a failed one. An
// invocation the watchdog gave up was counted then (observeGivenUp).
func observe(metricsFor func(stream string) *streamMetrics, logFailure func(*Message, error)) Middleware {
	return func(next Handler) Handler {
		return HandlerFunc(func(ctx context.Context, msg *Message) error {
			m := metricsFor(msg.Stream)
			m.inFlight.Inc()
			start := time.Now()
			err := next.Handle(ctx, msg)
			if w, ok := ctx.(*watch); ok && w.state.Load() == watchGivenUp {
				return err
			}
			observed(m, msg, start, err, logFailure)
			return err
		})
	}
}

// observed counts the end of an invocation of msg that began at start.
func observed(m *streamMetrics, msg *Message, start time.Time, err error, logFailure func(*Message, error)) {
	m.latency.Observe(time.Since(start).Seconds())
	m.inFlight.Dec()
	if err != nil {
		m.failed.Inc()
		logFailure(msg, err)
	}
}

// observeGivenUp counts the end of an invocation of msg given up by the
// watchdog, failing with err.
func (f *worker) observeGivenUp(msg *Message, start time.Time, err error) {
	observed(f.streamMetric(msg.Stream), msg, start, err, f.logFailure)
}

// logFailure writes the one log line of a failed invocation.
func (f *worker) logFailure(msg *Message, err error) {
	fields := []zap.Field{
		zap.String("stream", msg.Stream),
		zap.String("entry_id", msg.ID),
		zap.String("event_id", msg.EventID),
		zap.String("type", msg.Type),
		zap.Int("attempt", msg.Attempt),
		zap.Bool("permanent", IsPermanent(err) || isDecodeError(err)),
		zap.Error(err),
	}
	var p *PanicError
	if errors.As(err, &p) {
		fields = append(fields, zap.ByteString("stack", p.Stack))
	}
	f.logger.Error("invocation failed", fields...)
}
