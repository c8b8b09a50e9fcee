package runtime

import (
	"time"

	"github.com/ordershop/functions/runtime/internal/entry"
)

// The metadata fields of a dead-letter entry. Every other field of the
// entry is a field of the original event, under its original name.
const (
	DLQFieldFunction     = entry.DLQFieldFunction     // "dlq_function": the function that gave up
	DLQFieldStream       = entry.DLQFieldStream       // "dlq_stream": the original stream
	DLQFieldEntryID      = entry.DLQFieldEntryID      // "dlq_entry_id": the original entry id
	DLQFieldError        = entry.DLQFieldError        // "dlq_error": the last error's text
	DLQFieldAttempts     = entry.DLQFieldAttempts     // "dlq_attempts": attempts made, including the last
	DLQFieldFirstFailure = entry.DLQFieldFirstFailure // "dlq_first_failure": RFC 3339, first failed attempt
	DLQFieldLastFailure  = entry.DLQFieldLastFailure  // "dlq_last_failure": RFC 3339, last failed attempt
	DLQFieldPermanent    = entry.DLQFieldPermanent    // "dlq_permanent": "true" if the error was permanent
	// DLQFieldTruncated, "dlq_truncated", is "true" on the dead letter of
	// an entry over the size limit (MaxEntryFields, MaxEntryBytes): it
	// keeps only the original's type and event_id (each cut to 1 KiB); the
	// entry itself is at dlq_stream / dlq_entry_id. Such a dead letter
	// cannot be replayed.
	DLQFieldTruncated = entry.DLQFieldTruncated
)

// DLQFieldPrefix, "dlq_", starts every metadata field of a dead-letter entry.
const DLQFieldPrefix = entry.DLQFieldPrefix

// newDeadLetterEntry builds the dead-letter XADD for msg failing with
// cause (see entry.DeadLetterFields).
func newDeadLetterEntry(function string, msg *Message, cause error, now time.Time) Emit {
	fields := entry.DeadLetterFields(entry.Failure{
		Function: function, Stream: msg.Stream, ID: msg.ID, Fields: msg.Fields,
		Attempt: msg.Attempt, FirstFailure: msg.FirstFailure, Err: cause,
	}, now)
	return Emit{Stream: DeadLetterStream(function), Fields: fields}
}
