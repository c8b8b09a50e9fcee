package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// abandonGrace is how long a handler whose time is up (its context
// cancelled) may take to return before its attempt is given up as failed
// and the handler left running on its own.
const abandonGrace = 100 * time.Millisecond

// started counts an invocation of msg in the metrics.
func (f *function) started(msg *Message) time.Time {
	f.streamMetric(msg.Stream).inFlight.Inc()
	msg.emits = msg.emits[:0]
	return time.Now()
}

// finished counts the end of an invocation of msg that started at start,
// with its result err, and returns err, saying "timed out" when the
// invocation's time was up (ctx is the invocation's, parent the
// runtime's).
func (f *function) finished(msg *Message, start time.Time, err error, ctx, parent context.Context) error {
	if err != nil && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("invocation timed out after %v: %w", f.Timeout, err)
	}
	m := f.streamMetric(msg.Stream)
	m.latency.Observe(time.Since(start).Seconds())
	m.inFlight.Dec()
	if err != nil {
		m.failed.Inc()
		f.logFailure(msg, err)
	}
	return err
}

// invoke runs the handler chain once for msg on this goroutine, within
// the function's Timeout (retry tasks: asynq gives up a task that
// outlives its own timeout).
func (f *function) invoke(ctx context.Context, msg *Message) error {
	start := f.started(msg)
	ictx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	return f.finished(msg, start, f.call(ictx, msg), ictx, ctx)
}

// call runs the chain, turning a panic into a *PanicError.
func (f *function) call(ctx context.Context, msg *Message) error {
	return invokeChain(ctx, f.chain, msg)
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
	var p *PanicError
	if errors.As(err, &p) {
		fields = append(fields, zap.ByteString("stack", p.Stack))
	}
	f.logger.Error("invocation failed", fields...)
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
