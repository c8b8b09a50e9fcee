// Package typed lets a handler take its event's data as a Go value: On
// registers, for one event type, a function of the decoded data instead
// of the raw message. It is the helper the shop's handlers are written on.
//
//	mux := runtime.NewTypeMux()
//	typed.On(mux, "user.signed_up", func(ctx context.Context, msg *runtime.Message, u SignedUp) error {
//		msg.Emit("events:mail", welcomeMail(msg, u)) // written with the ack
//		return nil
//	})
//	fn := runtime.Function{Name: "greeter", Streams: []string{"events:user"}, Types: mux.Types(), Handler: mux}
//
// Data that does not decode into the handler's type is a permanent
// failure (runtime.Message.Decode): the event is dead-lettered at once,
// never retried, since it will not decode on a retry either. Everything
// else is the runtime's Handler contract: return nil to commit what the
// handler emitted with msg.Emit, runtime.Permanent(err) to dead-letter the
// event, any other error to retry it.
package typed

import (
	"context"

	"github.com/ordershop/functions/runtime"
)

// Func handles one event whose data decoded into a T. msg is the whole
// event (its fields, idempotency key, attempt) and where the handler
// emits the events it causes.
type Func[T any] func(ctx context.Context, msg *runtime.Message, data T) error

// Handler returns a runtime.Handler that decodes each message's data into
// a fresh T and calls f with it; data that does not decode fails
// permanently without calling f.
func Handler[T any](f Func[T]) runtime.Handler {
	return runtime.HandlerFunc(func(ctx context.Context, msg *runtime.Message) error {
		var data T
		if err := msg.Decode(&data); err != nil {
			return err
		}
		return f(ctx, msg, data)
	})
}

// On registers f on mux for the events of type eventType (mux.On with
// Handler(f)); mux.Types() then lists it for the function's type filter.
func On[T any](mux *runtime.TypeMux, eventType string, f Func[T]) {
	mux.On(eventType, Handler(f))
}
