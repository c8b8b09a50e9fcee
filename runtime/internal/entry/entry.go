// Package entry is what the runtime knows of a stream entry's fields: the
// per-entry size limit, the checks of the contract fields (type,
// event_id, data) and the dead letter of an entry that failed.
package entry

import (
	"encoding/json"
	"fmt"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/failure"
	"github.com/tidwall/gjson"
)

// The per-entry size limit (runtime.MaxEntryFields, runtime.MaxEntryBytes):
// fields count names and values alike, MaxBytes bounds the sum of
// len(name)+len(value).
const (
	MaxFields = 1000
	MaxBytes  = 1 << 20
)

// The bounds of a dead letter: its metadata fields on top of the original
// ones, and the error text it keeps.
const (
	dlqReservedFields = 16
	maxErrorBytes     = 4 << 10
	// MaxWriteValues is the most field names and values one write (an
	// emit or a dead letter) may carry; commit.lua refuses a group with a
	// bigger one before it writes anything (Lua cannot pass more than
	// ~8000 values to one command).
	MaxWriteValues = 2 * (MaxFields + dlqReservedFields)
)

// Size returns the field count and byte size of fields.
func Size(fields map[string]string) (n, bytes int) {
	for k, v := range fields {
		bytes += len(k) + len(v)
	}
	return len(fields), bytes
}

// OverLimit says why an entry of n fields and bytes bytes is over the
// limit, or "" if it is not.
func OverLimit(n, bytes int) string {
	if n <= MaxFields && bytes <= MaxBytes {
		return ""
	}
	return fmt.Sprintf("%d fields, %d bytes (limit %d fields, %d bytes)", n, bytes, MaxFields, MaxBytes)
}

// CheckEmit fails permanently (failure.Permanent) when an event to
// stream with fields is over the size limit, since it could never be
// written.
func CheckEmit(stream string, fields map[string]string) error {
	if why := OverLimit(Size(fields)); why != "" {
		return failure.Permanent(fmt.Errorf("emit to %s too large: %s", stream, why))
	}
	return nil
}

// Data checks the size and the contract fields of an entry's fields and
// returns its data; when they are not a well-formed event, reason says
// why (a runtime.DecodeError's Reason).
func Data(fields map[string]string, eventType, eventID string) (data json.RawMessage, reason string) {
	if why := OverLimit(Size(fields)); why != "" {
		return nil, "entry too large: " + why
	}
	switch {
	case eventType == "":
		return nil, "missing field " + engine.FieldType
	case eventID == "":
		return nil, "missing field " + engine.FieldEventID
	}
	s, ok := fields[engine.FieldData]
	if !ok {
		return nil, "missing field " + engine.FieldData
	}
	if !isJSONObject(s) {
		return nil, "field data is not a JSON object"
	}
	return json.RawMessage(s), ""
}

func isJSONObject(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			// gjson.Valid accepts exactly what encoding/json.Valid does
			// (FuzzJSONObjectAgreesWithEncodingJSON) in a third of the time.
			return gjson.Valid(s)
		default:
			return false
		}
	}
	return false
}
