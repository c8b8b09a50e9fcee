// Package render holds the ordershop command's text output: tables,
// times and durations, event data and fields, and the status views of
// partitioned functions.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// JSONLine prints v as one line of JSON (for streams of values).
func JSONLine(w io.Writer, v any) error {
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}

// Table returns a tab-separated table writer on w with a header row
// of columns; Flush it.
func Table(w io.Writer, columns ...string) *tabwriter.Writer {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(columns, "\t"))
	return tw
}

// When formats t in UTC with how long ago it was, e.g.
// "2025-03-01 10:00:00Z (3m ago)"; "-" for the zero time.
func When(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z") + " (" + ago(now.Sub(t)) + ")"
}

// ago renders an age: "just now", "42s ago", "3m ago", "5h ago", "2d ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return fmt.Sprintf("%dd ago", int(d.Hours()/24))
}

// Short renders a duration compactly: 850ms, 4.2s, 3m5s.
func Short(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// PrettyData indents a JSON value, each line prefixed with indent; raw
// (non-JSON) data is shown quoted.
func PrettyData(data json.RawMessage, raw, indent string) string {
	if len(data) == 0 {
		if raw == "" {
			return indent + "(none)"
		}
		return indent + fmt.Sprintf("%q (not JSON)", raw)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, indent, "  "); err != nil {
		return indent + string(data)
	}
	return indent + buf.String()
}

// FieldList renders the non-empty fields as "k=v, k=v" in key order.
func FieldList(fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k, v := range fields {
		if v != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + fields[k]
	}
	return strings.Join(parts, ", ")
}
