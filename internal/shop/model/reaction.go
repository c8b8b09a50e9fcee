package model

import (
	"context"
	"fmt"
	"slices"

	"github.com/ordershop/functions/runtime"
)

// The shop's reactions are runtime handlers written on runtime/typed: each
// takes its event's data as a model type and emits what it causes on its
// message with the helpers of Log below, which write each event to its
// entity's partition and keep the shop's envelope (entity,
// correlation and causation ids, deterministic follow-up ids).

// Function is the shop's shape of a function named name: the reactions of
// mux for its types (sorted, for stable logs) on the partitioned families
// of those types (StreamsOf, Partitioned: every partition of each), each
// entity's events in stream order (entity_id: an entity's events are all
// in one partition of its family), and
// every entry's envelope checked before its reaction runs (CheckEnvelope).
func Function(name string, mux *runtime.TypeMux) runtime.Function {
	types := mux.Types()
	slices.Sort(types)
	return runtime.Function{
		Name: name, Streams: StreamsOf(types...), Partitioned: true, Types: types, Handler: mux,
		Middleware: []runtime.Middleware{CheckEnvelope}, OrderingKey: FieldEntityID,
	}
}

// CheckEnvelope is the middleware of every shop function: an entry whose
// envelope does not read as an Event (a malformed time) fails permanently
// before its reaction runs.
func CheckEnvelope(next runtime.Handler) runtime.Handler {
	return runtime.HandlerFunc(func(ctx context.Context, msg *runtime.Message) error {
		if _, err := EventOf(msg); err != nil {
			return runtime.Permanent(err)
		}
		return next.Handle(ctx, msg)
	})
}

// EventOf reads the event a message carries; a malformed envelope wraps
// ErrBadEvent.
func EventOf(msg *runtime.Message) (Event, error) {
	return EventFromFields(msg.Stream, msg.ID, msg.Fields)
}

// BadEvent is the permanent failure of an event that can never be handled
// (a required field missing): the message's type and id, then format and
// args as fmt.Errorf has them, wrapping ErrBadEvent.
func BadEvent(msg *runtime.Message, format string, args ...any) error {
	return runtime.Permanent(fmt.Errorf("%s %s: %w: %w", msg.Type, msg.EventID, fmt.Errorf(format, args...), ErrBadEvent))
}

// Emit queues events on msg, each to the partition of its entity in the
// family of its type (Log.StreamOf): they are written with msg's ack,
// only if its handler returns nil. A family that cannot be opened (Redis
// unreachable) is an error to retry.
func (l *Log) Emit(ctx context.Context, msg *runtime.Message, events ...Event) error {
	for _, e := range events {
		stream, err := l.StreamOf(ctx, e)
		if err != nil {
			return err
		}
		msg.Emit(stream, e.Fields())
	}
	return nil
}

// FollowUp queues on msg the event of eventType about entityID that msg's
// event causes (Event.FollowUp: its id derived from the cause's id, the
// type and discriminator, so a re-run emits the same id), to entityID's
// partition.
func (l *Log) FollowUp(ctx context.Context, msg *runtime.Message, eventType, entityID, discriminator string, data any) error {
	cause, err := causeOf(msg)
	if err != nil {
		return err
	}
	out, err := cause.FollowUp(eventType, entityID, discriminator, data)
	if err != nil {
		return err
	}
	return l.Emit(ctx, msg, out)
}

// RequestMail queues on msg the mail.requested event that msg's event
// causes (Event.RequestMail), to the mail's partition of events:mail.
func (l *Log) RequestMail(ctx context.Context, msg *runtime.Message, m Mail) error {
	cause, err := causeOf(msg)
	if err != nil {
		return err
	}
	out, err := cause.RequestMail(m)
	if err != nil {
		return err
	}
	return l.Emit(ctx, msg, out)
}

// causeOf is msg's event as the cause of a follow-up; an envelope that
// does not read is permanent.
func causeOf(msg *runtime.Message) (Event, error) {
	e, err := EventOf(msg)
	if err != nil {
		return e, runtime.Permanent(err)
	}
	return e, nil
}
