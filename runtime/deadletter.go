package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The metadata fields of a dead-letter entry. Every other field of the
// entry is a field of the original event, under its original name.
const (
	DLQFieldFunction     = "dlq_function"      // the function that gave up
	DLQFieldStream       = "dlq_stream"        // the original stream
	DLQFieldEntryID      = "dlq_entry_id"      // the original entry id
	DLQFieldError        = "dlq_error"         // the last error's text
	DLQFieldAttempts     = "dlq_attempts"      // attempts made, including the last
	DLQFieldFirstFailure = "dlq_first_failure" // RFC 3339, first failed attempt
	DLQFieldLastFailure  = "dlq_last_failure"  // RFC 3339, last failed attempt
	DLQFieldPermanent    = "dlq_permanent"     // "true" if the error was permanent
	// DLQFieldTruncated is "true" on the dead letter of an entry over the
	// size limit (MaxEntryFields, MaxEntryBytes): it keeps only the
	// original's type and event_id (each cut to 1 KiB); the entry itself
	// is at dlq_stream / dlq_entry_id. Such a dead letter cannot be
	// replayed.
	DLQFieldTruncated = "dlq_truncated"
)

// truncatedFieldBytes bounds each field a truncated dead letter keeps.
const truncatedFieldBytes = 1 << 10

// DLQFieldPrefix starts every metadata field of a dead-letter entry.
const DLQFieldPrefix = "dlq_"

// DeadLetter is one entry of a dead-letter stream, parsed: the one type
// for a dead letter, in the runtime, its Inspector and the operator tools
// (its JSON form is what `ordershop dlq show --json` and /admin print).
type DeadLetter struct {
	// ID is the entry's id in the dead-letter stream.
	ID       string `json:"id"`
	Function string `json:"function"`
	Stream   string `json:"stream"`
	EntryID  string `json:"entry_id"`
	// Type, EventID and EntityID are the event's own fields, if present
	// (EntityID only from an Inspector given WithEntityField).
	Type     string `json:"type"`
	EventID  string `json:"event_id"`
	EntityID string `json:"entity_id,omitempty"`
	// Error is the last attempt's error text (cut to 4 KiB).
	Error string `json:"error"`
	// Attempts counts the attempts made, the last included.
	Attempts int `json:"attempts"`
	// Permanent: the error was permanent, or the entry not a well-formed
	// event, so it was not retried.
	Permanent bool `json:"permanent"`
	// FirstFailure and LastFailure are when the first and the last
	// attempt failed.
	FirstFailure time.Time `json:"first_failure"`
	LastFailure  time.Time `json:"last_failure"`
	// Truncated: the original entry was over the size limit and Fields
	// holds only its type and event_id (see DLQFieldTruncated).
	Truncated bool `json:"-"`
	// Data is the event's data field when it is valid JSON; RawData
	// otherwise.
	Data    json.RawMessage `json:"data,omitempty"`
	RawData string          `json:"raw_data,omitempty"`
	// Fields are the original event's fields, all of them (what Replay
	// sends again).
	Fields map[string]string `json:"-"`
	// Other are the original fields but type, event_id, data and the
	// entity field: the ones the fields above do not show.
	Other map[string]string `json:"fields"`
	// Malformed, set by the Inspector, says why the entry is not a
	// well-formed dead letter (ParseDeadLetter's error); such an entry
	// can be purged, not replayed.
	Malformed string `json:"malformed,omitempty"`
}

// newDeadLetterEntry builds the dead-letter XADD for msg failing with cause.
// It keeps every original field when the entry is within the size limit;
// else only type and event_id, marked dlq_truncated. The error text is cut
// to 4 KiB. So a dead letter always fits a commit (maxWriteValues).
func newDeadLetterEntry(function string, msg *Message, cause error, now time.Time) Emit {
	first := msg.FirstFailure
	if first.IsZero() {
		first = now
	}
	fields := make(map[string]string, min(len(msg.Fields), MaxEntryFields)+dlqReservedFields)
	if overLimit(entrySize(msg.Fields)) == "" {
		for k, v := range msg.Fields {
			if !strings.HasPrefix(k, DLQFieldPrefix) {
				fields[k] = v
			}
		}
	} else {
		for _, k := range []string{FieldType, FieldEventID} {
			if v, ok := msg.Fields[k]; ok {
				fields[k] = cut(v, truncatedFieldBytes)
			}
		}
		fields[DLQFieldTruncated] = "true"
	}
	fields[DLQFieldFunction] = function
	fields[DLQFieldStream] = msg.Stream
	fields[DLQFieldEntryID] = msg.ID
	fields[DLQFieldError] = cut(cause.Error(), maxErrorBytes)
	fields[DLQFieldAttempts] = strconv.Itoa(msg.Attempt)
	fields[DLQFieldFirstFailure] = first.UTC().Format(time.RFC3339Nano)
	fields[DLQFieldLastFailure] = now.UTC().Format(time.RFC3339Nano)
	fields[DLQFieldPermanent] = strconv.FormatBool(IsPermanent(cause) || isDecodeError(cause))
	return Emit{Stream: DeadLetterStream(function), Fields: fields}
}

// cut shortens s to at most n bytes.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func isDecodeError(err error) bool {
	var d *DecodeError
	return errors.As(err, &d)
}

// ParseDeadLetter reads a dead-letter stream entry.
func ParseDeadLetter(x redis.XMessage) (DeadLetter, error) {
	dl := DeadLetter{ID: x.ID, Fields: map[string]string{}}
	for k, v := range x.Values {
		s, _ := v.(string)
		if !strings.HasPrefix(k, DLQFieldPrefix) {
			dl.Fields[k] = s
			continue
		}
		switch k {
		case DLQFieldFunction:
			dl.Function = s
		case DLQFieldStream:
			dl.Stream = s
		case DLQFieldEntryID:
			dl.EntryID = s
		case DLQFieldError:
			dl.Error = s
		case DLQFieldAttempts:
			dl.Attempts, _ = strconv.Atoi(s)
		case DLQFieldPermanent:
			dl.Permanent = s == "true"
		case DLQFieldTruncated:
			dl.Truncated = s == "true"
		case DLQFieldFirstFailure:
			dl.FirstFailure, _ = time.Parse(time.RFC3339Nano, s)
		case DLQFieldLastFailure:
			dl.LastFailure, _ = time.Parse(time.RFC3339Nano, s)
		}
	}
	dl.describe("")
	if dl.Function == "" || dl.Stream == "" || dl.EntryID == "" {
		return dl, fmt.Errorf("dead letter %s: missing %s, %s or %s", x.ID, DLQFieldFunction, DLQFieldStream, DLQFieldEntryID)
	}
	return dl, nil
}
