package form

import (
	"net/url"

	"github.com/ordershop/functions/runtime/ops"
)

// EventQuery is the events page's filter as the form states it.
type EventQuery struct {
	Stream, Type, Entity string
}

// EventQueryFrom reads the filter fields of a query.
func EventQueryFrom(v url.Values) EventQuery {
	return EventQuery{Stream: trimmed(v, "stream"), Type: trimmed(v, "type"), Entity: trimmed(v, "entity")}
}

// Filter is the query as an ops.EventFilter; a stream that cannot be an
// aggregate's is ops.ErrInvalid.
func (q EventQuery) Filter(o *ops.Ops) (ops.EventFilter, error) {
	f := ops.EventFilter{Type: q.Type, EntityID: q.Entity}
	if q.Stream != "" {
		s, err := o.EventStream(q.Stream)
		if err != nil {
			return f, err
		}
		f.Stream = s
	}
	return f, nil
}

// Values is the query as URL values (empty fields left out).
func (q EventQuery) Values() url.Values {
	return nonEmpty(map[string]string{"stream": q.Stream, "type": q.Type, "entity": q.Entity})
}
