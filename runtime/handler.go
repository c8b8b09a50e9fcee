package runtime

import "context"

// Handler runs one event for one function.
//
// The delivery contract: Handle is called at least once for every event of
// the function's streams that passes its type filter. Returning nil commits
// the invocation: the events emitted through msg.Emit, the idempotency record
// and the stream ack are written in one atomic step, and the event is not run
// again for this function while the record lives. Returning an error that
// Permanent wraps sends the event to the dead-letter stream at once; any
// other error (or a panic) schedules a retry with exponential backoff until
// the function's MaxAttempts is reached, then dead-letters it. Emitted events
// of a failed attempt are discarded.
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
type TypeMux struct {
	handlers map[string]Handler
	fallback Handler
}

// NewTypeMux returns an empty TypeMux.
func NewTypeMux() *TypeMux { return &TypeMux{handlers: map[string]Handler{}} }

// On registers h for events of type eventType.
func (m *TypeMux) On(eventType string, h Handler) { m.handlers[eventType] = h }

// OnFunc registers f for events of type eventType.
func (m *TypeMux) OnFunc(eventType string, f func(context.Context, *Message) error) {
	m.On(eventType, HandlerFunc(f))
}

// Default registers h for every type without a handler of its own.
func (m *TypeMux) Default(h Handler) { m.fallback = h }

// Types lists the registered event types; use it as a Function's type filter.
func (m *TypeMux) Types() []string {
	out := make([]string, 0, len(m.handlers))
	for t := range m.handlers {
		out = append(out, t)
	}
	return out
}

// Handle dispatches msg by msg.Type.
func (m *TypeMux) Handle(ctx context.Context, msg *Message) error {
	if h, ok := m.handlers[msg.Type]; ok {
		return h.Handle(ctx, msg)
	}
	if m.fallback != nil {
		return m.fallback.Handle(ctx, msg)
	}
	return Permanent(&UnknownTypeError{Type: msg.Type})
}
