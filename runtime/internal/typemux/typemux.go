// Package typemux is the table of runtime.TypeMux: a handler per event
// type and an optional fallback.
package typemux

// Mux maps event types to handlers of type H.
type Mux[H any] struct {
	handlers    map[string]H
	fallback    H
	hasFallback bool
}

// On registers h for events of type eventType.
func (m *Mux[H]) On(eventType string, h H) {
	if m.handlers == nil {
		m.handlers = map[string]H{}
	}
	m.handlers[eventType] = h
}

// Default registers h for every type without a handler of its own; a
// nil interface value (H being an interface, as runtime.Handler) sets none.
func (m *Mux[H]) Default(h H) { m.fallback, m.hasFallback = h, any(h) != nil }

// Types lists the registered event types.
func (m *Mux[H]) Types() []string {
	out := make([]string, 0, len(m.handlers))
	for t := range m.handlers {
		out = append(out, t)
	}
	return out
}

// Lookup returns the handler of eventType, else the fallback; false if
// there is neither.
func (m *Mux[H]) Lookup(eventType string) (H, bool) {
	if h, ok := m.handlers[eventType]; ok {
		return h, true
	}
	return m.fallback, m.hasFallback
}
