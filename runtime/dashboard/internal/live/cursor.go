package live

import (
	"net/url"
	"slices"
	"strings"
)

// Cursor encodes the position of a live events stream in every stream,
// the stream first, as an SSE id: "stream=id&stream=id" with the names
// query-escaped. first, when set, is the stream of the event the id goes
// with.
func Cursor(pos map[string]string, first string) string {
	parts := make([]string, 0, len(pos))
	if id, ok := pos[first]; ok {
		parts = append(parts, url.QueryEscape(first)+"="+id)
	}
	rest := make([]string, 0, len(pos))
	for s, id := range pos {
		if s != first {
			rest = append(rest, url.QueryEscape(s)+"="+id)
		}
	}
	slices.Sort(rest)
	return strings.Join(append(parts, rest...), "&")
}

// parseCursor reads a Cursor; false when s is empty or not one.
func parseCursor(s string) (map[string]string, bool) {
	if s == "" {
		return nil, false
	}
	v, err := url.ParseQuery(s)
	if err != nil || len(v) == 0 {
		return nil, false
	}
	pos := make(map[string]string, len(v))
	for stream, ids := range v {
		if len(ids) != 1 || !validID(ids[0]) {
			return nil, false
		}
		pos[stream] = ids[0]
	}
	return pos, true
}
