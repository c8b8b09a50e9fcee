package runtime

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"go.uber.org/zap"
)

// abandonGrace is how long a handler whose time is up (its context
// cancelled) may take to return before its attempt is given up as failed
// and the handler left running on its own.
const abandonGrace = 100 * time.Millisecond

// invoke runs the handler chain once for msg, on a goroutine of its own,
// within the function's Timeout: panics are recovered into a *PanicError,
// latency and in-flight gauges kept. A handler still running abandonGrace
// after its context ended is given up (abandoned is true): the attempt
// fails, and the handler may go on using msg, so msg must not be run
// again.
func (f *function) invoke(ctx context.Context, msg *Message) (err error, abandoned bool) {
	m := f.streamMetric(msg.Stream)
	m.inFlight.Inc()
	start := time.Now()
	ictx, cancel := context.WithTimeout(ctx, f.Timeout)
	defer cancel()
	msg.emits = msg.emits[:0]
	done := make(chan error, 1)
	go func() { done <- f.call(ictx, msg) }()
	select {
	case err = <-done:
	case <-ictx.Done():
		t := time.NewTimer(abandonGrace)
		select {
		case err = <-done:
		case <-t.C:
			abandoned = true
			err = fmt.Errorf("handler did not return within %v of its end: %w", abandonGrace, ictx.Err())
		}
		t.Stop()
	}
	if err != nil && ctx.Err() == nil && errors.Is(ictx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("invocation timed out after %v: %w", f.Timeout, err)
	}
	m.latency.Observe(time.Since(start).Seconds())
	m.inFlight.Dec()
	if err != nil {
		m.failed.Inc()
		f.logFailure(msg, err)
	}
	return err, abandoned
}

// call runs the chain, turning a panic into a *PanicError.
func (f *function) call(ctx context.Context, msg *Message) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}
	}()
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
