package runtime

import (
	"errors"
	"strconv"
	"strings"
	"time"
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
