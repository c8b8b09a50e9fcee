package runtime

import (
	"context"
	"runtime/debug"
	"time"

	"go.uber.org/zap"
)

// invoke runs the handler chain once for msg: panics are recovered into a
// *PanicError, the optional per-invocation timeout applied, latency and
// in-flight gauges kept.
func (f *function) invoke(ctx context.Context, msg *Message) (err error) {
	m := f.streamMetric(msg.Stream)
	m.inFlight.Inc()
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
		m.latency.Observe(time.Since(start).Seconds())
		m.inFlight.Dec()
		if err != nil {
			m.failed.Inc()
			f.logFailure(msg, err)
		}
	}()
	if f.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.Timeout)
		defer cancel()
	}
	msg.emits = msg.emits[:0]
	return f.chain.Handle(ctx, msg)
}

// logFailure writes the one log line of a failed invocation.
func (f *function) logFailure(msg *Message, err error) {
	fields := []zap.Field{
		zap.String("stream", msg.Stream),
		zap.String("entry_id", msg.ID),
		zap.String("event_id", msg.EventID),
		zap.String("type", msg.Type),
		zap.Int("attempt", msg.Attempt),
		zap.Bool("permanent", IsPermanent(err) || isDecodeError(err)),
		zap.Error(err),
	}
	if p, ok := err.(*PanicError); ok {
		fields = append(fields, zap.ByteString("stack", p.Stack))
	}
	f.logger.Error("invocation failed", fields...)
}

// handleEntry runs one entry read from a stream (it is in flight and not
// yet done) and returns the commit that settles it: committed, scheduled
// for retry, or dead-lettered; with per-key ordering a failure is retried
// in place first. It returns nil when the entry is left pending, because
// the runtime stopped first or a retry could not be scheduled; it is then
// redelivered.
func (f *function) handleEntry(ctx context.Context, msg *Message) *commitItem {
	if err := msg.decode(); err != nil {
		return f.malformed(msg, err)
	}
	m := f.streamMetric(msg.Stream)
	for {
		err := f.invoke(ctx, msg)
		switch {
		case err == nil:
			m.processed.Inc()
			return f.item(msg, commitItem{ack: true, record: true, emits: msg.emits})
		case ctx.Err() != nil:
			return nil // hard stop: left pending, redelivered later
		case IsPermanent(err) || msg.Attempt >= f.MaxAttempts:
			return f.deadLetter(msg, err)
		}
		if msg.FirstFailure.IsZero() {
			msg.FirstFailure = time.Now()
		}
		if f.OrderingKey != "" {
			// Retry in place: only this key waits.
			m.retried.Inc()
			if !sleepCtx(f.stopping, retryDelay(msg.Attempt, f.BackoffBase, f.BackoffMax)) {
				return nil
			}
			msg.Attempt++
			continue
		}
		if serr := f.ret.schedule(ctx, f, msg); serr != nil {
			f.logger.Warn("schedule retry failed: entry left pending for redelivery",
				zap.String("stream", msg.Stream), zap.String("entry_id", msg.ID), zap.Error(serr))
			return nil
		}
		m.retried.Inc()
		return f.item(msg, commitItem{ack: true})
	}
}

// deadLetter returns the commit that writes msg to the function's
// dead-letter stream and acks it.
func (f *function) deadLetter(msg *Message, cause error) *commitItem {
	f.streamMetric(msg.Stream).deadLettered.Inc()
	dl := newDeadLetterEntry(f.Name, msg, cause, time.Now())
	return f.item(msg, commitItem{ack: true, deadLetter: &dl})
}

// item returns msg's commit item set to it, with the entry it settles.
func (f *function) item(msg *Message, it commitItem) *commitItem {
	it.stream, it.id, it.eventID = msg.Stream, msg.ID, msg.EventID
	msg.commit = it
	return &msg.commit
}

// sleepCtx sleeps for d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
