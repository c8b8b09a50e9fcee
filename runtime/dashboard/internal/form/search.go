// Package form reads what the dashboard's forms, and the query strings
// they submit, state: a dead-letter search (this file), a replay or
// purge selection (selection.go) and the events page's filter
// (events.go). Each keeps the fields as given, so that a page can show
// them again and a job can store them.
package form

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops"
)

// timeLayouts are what the since and until fields accept, read as UTC
// when they carry no zone (an <input type="datetime-local"> sends the
// second and third).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

// Search is a dead-letter search as the form states it.
type Search struct {
	Type, Error, Since, Until string
}

// SearchFrom reads the search fields of a query or form.
func SearchFrom(v url.Values) Search {
	return Search{Type: trimmed(v, "type"), Error: trimmed(v, "error"), Since: trimmed(v, "since"), Until: trimmed(v, "until")}
}

// Filter is the search as an inspect.DeadLetterFilter; a time it cannot
// read is ops.ErrInvalid.
func (s Search) Filter() (inspect.DeadLetterFilter, error) {
	f := inspect.DeadLetterFilter{Type: s.Type, ErrorContains: s.Error}
	var err error
	if f.Since, err = parseTime("since", s.Since); err != nil {
		return f, err
	}
	f.Until, err = parseTime("until", s.Until)
	return f, err
}

// Values is the search as query or form values (empty fields left out).
func (s Search) Values() url.Values {
	return nonEmpty(map[string]string{"type": s.Type, "error": s.Error, "since": s.Since, "until": s.Until})
}

// IsZero reports a search that matches every dead letter.
func (s Search) IsZero() bool { return s == Search{} }

// parseTime reads field's value in one of timeLayouts; "" is the zero
// time.
func parseTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%s %q: want a time such as 2006-01-02T15:04 (UTC) or RFC 3339: %w", field, s, ops.ErrInvalid)
}

// trimmed is field k of v without surrounding space.
func trimmed(v url.Values, k string) string { return strings.TrimSpace(v.Get(k)) }

// nonEmpty is fields as URL values, the empty ones left out.
func nonEmpty(fields map[string]string) url.Values {
	v := url.Values{}
	for k, x := range fields {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}
