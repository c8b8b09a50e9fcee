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
		zap.Bool("permanent", IsPermanent(err)),
		zap.Error(err),
	}
	if p, ok := err.(*PanicError); ok {
		fields = append(fields, zap.ByteString("stack", p.Stack))
	}
	f.logger.Error("invocation failed", fields...)
}

// handleEntry runs one entry read from a stream (it is in flight and not
// yet done) and settles it: committed, scheduled for retry, retried in place
// (per-key ordering), dead-lettered, or left pending when the runtime stops
// first. release is called once the entry's fate is written to Redis or it
// is left pending.
func (f *function) handleEntry(ctx context.Context, msg *Message, release func()) {
	m := f.streamMetric(msg.Stream)
	for {
		err := f.invoke(ctx, msg)
		switch {
		case err == nil:
			m.processed.Inc()
			f.settle(msg, &commitItem{ack: true, record: true, emits: msg.emits}, release)
			return
		case ctx.Err() != nil:
			release() // hard stop: left pending, redelivered later
			return
		case IsPermanent(err) || msg.Attempt >= f.MaxAttempts:
			f.deadLetter(msg, err, release)
			return
		}
		if msg.FirstFailure.IsZero() {
			msg.FirstFailure = time.Now()
		}
		if f.OrderingKey != "" {
			// Retry in place: only this key waits.
			m.retried.Inc()
			if !sleepCtx(f.stopping, retryDelay(msg.Attempt, f.BackoffBase, f.BackoffMax)) {
				release()
				return
			}
			msg.Attempt++
			continue
		}
		if serr := f.ret.schedule(ctx, f, msg); serr != nil {
			f.logger.Warn("schedule retry failed: entry left pending for redelivery",
				zap.String("stream", msg.Stream), zap.String("entry_id", msg.ID), zap.Error(serr))
			release()
			return
		}
		m.retried.Inc()
		f.settle(msg, &commitItem{ack: true}, release)
		return
	}
}

// deadLetter writes msg to the function's dead-letter stream and acks it.
func (f *function) deadLetter(msg *Message, cause error, release func()) {
	f.streamMetric(msg.Stream).deadLettered.Inc()
	dl := newDeadLetterEntry(f.Name, msg, cause, time.Now())
	f.settle(msg, &commitItem{ack: true, deadLetter: &dl}, release)
}

// settle hands item for msg to the committer. Functions with per-key
// ordering wait for the commit, so that a key's next event never commits
// first.
func (f *function) settle(msg *Message, item *commitItem, release func()) {
	item.stream, item.id, item.eventID = msg.Stream, msg.ID, msg.EventID
	if f.OrderingKey == "" {
		item.done = func(error) { release() }
		f.com.submit(item)
		return
	}
	errc := make(chan error, 1)
	item.done = func(err error) { errc <- err }
	f.com.submit(item)
	<-errc
	release()
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
