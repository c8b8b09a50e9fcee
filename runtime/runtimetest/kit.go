package runtimetest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/ordershop/functions/runtime/partition"

	"github.com/ordershop/functions/runtime"
)

// The kit for anyone building on the runtime, beside the conformance
// suite: Invoke runs one event through a function's real wiring and says
// what the runtime would do with it; StartRedis, Start, Publish, Settle
// and DeadLetters run functions for real on a Redis of the test's own.

// Entry returns the fields of a well-formed event entry: type, event_id
// and data, then extra as pairs of field name and value (entity_id, …).
// data is a JSON object as a string or []byte, or a value to marshal.
func Entry(t testing.TB, eventType, eventID string, data any, extra ...string) map[string]string {
	t.Helper()
	if len(extra)%2 != 0 {
		t.Fatalf("runtimetest.Entry: extra fields %q are not name, value pairs", extra)
	}
	fields := map[string]string{runtime.FieldType: eventType, runtime.FieldEventID: eventID, runtime.FieldData: jsonText(t, data)}
	for i := 0; i < len(extra); i += 2 {
		fields[extra[i]] = extra[i+1]
	}
	return fields
}

// jsonText is data as JSON text: a string or []byte as it is, anything
// else marshalled.
func jsonText(t testing.TB, data any) string {
	t.Helper()
	switch d := data.(type) {
	case string:
		return d
	case []byte:
		return string(d)
	}
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatalf("runtimetest: marshal event data: %v", err)
	}
	return string(b)
}

// Invoke runs fn once on an entry of stream with fields, through the
// wiring a running function uses (runtime.Invoke: decoding and size
// limits, the type filter, fn's middleware, the emit limit, panic
// recovery, the invocation timeout), and returns what the runtime would do:
// skip it, commit its emits, retry it or dead-letter it (Outcome.Permanent).
// Nothing is written to Redis. It fails the test if fn does not read
// stream (for a Partitioned function: a partition of one of its families):
// the runtime would never deliver the entry.
func Invoke(t testing.TB, fn runtime.Function, stream string, fields map[string]string) runtime.Outcome {
	t.Helper()
	read := stream
	if family, _, ok := partition.Parse(stream); ok && fn.Partitioned {
		read = family
	}
	if !slices.Contains(fn.Streams, read) {
		t.Fatalf("runtimetest.Invoke: function %s does not read %s (it reads %v)", fn.Name, stream, fn.Streams)
	}
	return runtime.Invoke(t.Context(), fn, stream, fields)
}
