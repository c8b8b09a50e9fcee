package runtime

import (
	"context"
	"fmt"
)

// Outcome is what one invocation of a function came to, as the runtime
// would act on it.
type Outcome struct {
	// Skipped: the event's type is not in the function's type filter, so
	// the runtime would ack it without running the handler.
	Skipped bool
	// Emits are the events the runtime would write with the ack (empty
	// unless the invocation succeeded).
	Emits []Emit
	// Err is the invocation's error: nil on success. A malformed entry is
	// a *DecodeError, a panic a *PanicError.
	Err error
	// Permanent: the runtime would dead-letter the event on this attempt
	// instead of retrying it.
	Permanent bool
}

// Retry reports whether the runtime would try the event again (until the
// function's MaxAttempts is reached).
func (o Outcome) Retry() bool { return o.Err != nil && !o.Permanent }

// Invoke runs fn once on a stream entry (its fields as they stand in
// stream) through the same wiring a running function uses: the entry's
// decoding and size limits, the type filter, and the chain a running
// function builds (buildChain: the invocation timeout, panic recovery,
// fn's middleware, the limit on emitted events), metrics aside. It writes
// nothing to Redis; it is how runtimetest and handler tests see what the
// runtime would do with an event.
func Invoke(ctx context.Context, fn Function, stream string, fields map[string]string) Outcome {
	if err := fn.validate(DefaultConfig()); err != nil {
		return Outcome{Err: fmt.Errorf("invoke: %w", err), Permanent: true}
	}
	msg, err := newMessage(fn.Name, stream, "0-1", fields)
	if err != nil {
		return Outcome{Err: err, Permanent: true}
	}
	if !fn.accepts(msg.Type) {
		return Outcome{Skipped: true}
	}
	err = buildChain(fn, nil, nil).Handle(ctx, msg)
	if err != nil {
		return Outcome{Err: err, Permanent: IsPermanent(err) || isDecodeError(err)}
	}
	return Outcome{Emits: append([]Emit(nil), msg.emits...)}
}
