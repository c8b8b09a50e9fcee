package entry

import (
	"strconv"
	"strings"
	"time"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/failure"
)

// The metadata fields of a dead-letter entry (runtime.DLQField*).
const (
	DLQFieldFunction     = "dlq_function"
	DLQFieldStream       = "dlq_stream"
	DLQFieldEntryID      = "dlq_entry_id"
	DLQFieldError        = "dlq_error"
	DLQFieldAttempts     = "dlq_attempts"
	DLQFieldFirstFailure = "dlq_first_failure"
	DLQFieldLastFailure  = "dlq_last_failure"
	DLQFieldPermanent    = "dlq_permanent"
	DLQFieldTruncated    = "dlq_truncated"
	DLQFieldPrefix       = "dlq_"
)

// truncatedFieldBytes bounds each field a truncated dead letter keeps.
const truncatedFieldBytes = 1 << 10

// Failure is an entry that failed for good, as its dead letter records it.
type Failure struct {
	Function, Stream, ID string
	Fields               map[string]string
	Attempt              int
	FirstFailure         time.Time // zero: now
	Err                  error
}

// DeadLetterFields builds the fields of f's dead letter, written at now.
// It keeps every original field when the entry is within the size limit;
// else only type and event_id, marked dlq_truncated. The error text is
// cut to 4 KiB. So a dead letter always fits a commit (MaxWriteValues).
func DeadLetterFields(f Failure, now time.Time) map[string]string {
	first := f.FirstFailure
	if first.IsZero() {
		first = now
	}
	fields := make(map[string]string, min(len(f.Fields), MaxFields)+dlqReservedFields)
	if OverLimit(Size(f.Fields)) == "" {
		for k, v := range f.Fields {
			if !strings.HasPrefix(k, DLQFieldPrefix) {
				fields[k] = v
			}
		}
	} else {
		for _, k := range []string{engine.FieldType, engine.FieldEventID} {
			if v, ok := f.Fields[k]; ok {
				fields[k] = cut(v, truncatedFieldBytes)
			}
		}
		fields[DLQFieldTruncated] = "true"
	}
	fields[DLQFieldFunction] = f.Function
	fields[DLQFieldStream] = f.Stream
	fields[DLQFieldEntryID] = f.ID
	fields[DLQFieldError] = cut(f.Err.Error(), maxErrorBytes)
	fields[DLQFieldAttempts] = strconv.Itoa(f.Attempt)
	fields[DLQFieldFirstFailure] = first.UTC().Format(time.RFC3339Nano)
	fields[DLQFieldLastFailure] = now.UTC().Format(time.RFC3339Nano)
	fields[DLQFieldPermanent] = strconv.FormatBool(failure.IsPermanent(f.Err) || failure.IsDecodeError(f.Err))
	return fields
}

// cut shortens s to at most n bytes.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
