package runtime

import (
	"context"

	"github.com/ordershop/functions/runtime/internal/typemux"
)

// Handler runs one event for one function, at least once (see the
// package doc's delivery contract). Returning nil commits the invocation:
// its emits, idempotency record and ack in one atomic step. An error that
// Permanent wraps dead-letters the event at once; any other error (or a
// panic) schedules a retry with backoff until MaxAttempts, then
// dead-letters it. Emitted events of a failed attempt are discarded.
//
// Handle must be safe for concurrent use; ctx is cancelled when the
// invocation's time is up or the runtime shuts down.
type Handler interface {
	Handle(ctx context.Context, msg *Message) error
}

// HandlerFunc adapts an ordinary function to a Handler.
type HandlerFunc func(ctx context.Context, msg *Message) error

// Handle calls f(ctx, msg).
func (f HandlerFunc) Handle(ctx context.Context, msg *Message) error { return f(ctx, msg) }

// Middleware wraps a Handler with behaviour of its own (logging, tracing,
// timeouts). The runtime builds a function's chain once, at Register.
type Middleware func(Handler) Handler

// Chain wraps h with mws so that mws[0] is outermost: Chain(h, a, b) runs
// a, then b, then h.
func Chain(h Handler, mws ...Middleware) Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// TypeMux routes a message to the handler registered for its event type, like
// http.ServeMux routes by path. A type with no handler is a permanent error
// unless a fallback was set with Default.
type TypeMux struct{ table typemux.Mux[Handler] }

// NewTypeMux returns an empty TypeMux.
func NewTypeMux() *TypeMux { return &TypeMux{} }

// On registers h for events of type eventType.
func (m *TypeMux) On(eventType string, h Handler) { m.table.On(eventType, h) }

// OnFunc registers f for events of type eventType.
func (m *TypeMux) OnFunc(eventType string, f func(context.Context, *Message) error) {
	m.On(eventType, HandlerFunc(f))
}

// Default registers h for every type without a handler of its own.
func (m *TypeMux) Default(h Handler) { m.table.Default(h) }

// Types lists the registered event types; use it as a Function's type filter.
func (m *TypeMux) Types() []string { return m.table.Types() }

// Handle dispatches msg by msg.Type.
func (m *TypeMux) Handle(ctx context.Context, msg *Message) error {
	if h, ok := m.table.Lookup(msg.Type); ok {
		return h.Handle(ctx, msg)
	}
	return Permanent(&UnknownTypeError{Type: msg.Type})
}
