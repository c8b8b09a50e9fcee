package dashboard

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
)

// timeLayouts are what the since and until fields accept, read as UTC
// when they carry no zone (an <input type="datetime-local"> sends the
// second and third).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

// search is a dead-letter search as the form states it.
type search struct {
	Type, Error, Since, Until string
}

// searchFrom reads the search fields of a query or form.
func searchFrom(v url.Values) search {
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	return search{Type: get("type"), Error: get("error"), Since: get("since"), Until: get("until")}
}

// filter is the search as a runtime.DeadLetterFilter; a time it cannot
// read is ops.ErrInvalid.
func (s search) filter() (runtime.DeadLetterFilter, error) {
	f := runtime.DeadLetterFilter{Type: s.Type, ErrorContains: s.Error}
	var err error
	if f.Since, err = parseTime("since", s.Since); err != nil {
		return f, err
	}
	f.Until, err = parseTime("until", s.Until)
	return f, err
}

// values is the search as query or form values (empty fields left out).
func (s search) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"type": s.Type, "error": s.Error, "since": s.Since, "until": s.Until} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// IsZero reports a search that matches every dead letter.
func (s search) IsZero() bool { return s == search{} }

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

// selection is what a replay or purge form selects: the dead letters
// named by its id fields, or with all=1 every one that matches its
// search.
type selection struct {
	IDs    []string
	All    bool
	Search search
}

// selectionFrom reads a replay or purge form; one naming nothing, or
// both ids and all, is ops.ErrInvalid.
func selectionFrom(v url.Values) (selection, ops.Selection, error) {
	sel := selection{IDs: v["id"], All: v.Get("all") == "1", Search: searchFrom(v)}
	f, err := sel.Search.filter()
	if err != nil {
		return sel, ops.Selection{}, err
	}
	want := ops.Selection{IDs: sel.IDs, All: sel.All}
	if sel.All {
		want.Filter = f
	}
	if err := want.Validate(); err != nil {
		return sel, want, fmt.Errorf("selection: %w", err)
	}
	return sel, want, nil
}
