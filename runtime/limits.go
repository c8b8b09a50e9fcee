package runtime

import (
	"context"
	"fmt"
)

// The per-entry size limit. A stream entry over it is not run: it is
// dead-lettered at once as malformed ("entry too large"), with a dead
// letter that is a summary (see newDeadLetterEntry), so that every commit
// stays small enough to be written whole. An event a handler emits over it
// fails the invocation permanently. Fields count names and values alike:
// MaxEntryBytes bounds the sum of len(name)+len(value).
const (
	MaxEntryFields = 1000
	MaxEntryBytes  = 1 << 20
)

// The bounds of a dead letter: its metadata fields on top of the original
// ones, and the error text it keeps.
const (
	dlqReservedFields = 16
	maxErrorBytes     = 4 << 10
	// maxWriteValues is the most field names and values one write (an
	// emit or a dead letter) may carry; commit.lua refuses a group with a
	// bigger one before it writes anything (Lua cannot pass more than
	// ~8000 values to one command).
	maxWriteValues = 2 * (MaxEntryFields + dlqReservedFields)
)

// entrySize returns the field count and byte size of fields.
func entrySize(fields map[string]string) (n, bytes int) {
	for k, v := range fields {
		bytes += len(k) + len(v)
	}
	return len(fields), bytes
}

// overLimit says why an entry of n fields and bytes bytes is over the
// limit, or "" if it is not.
func overLimit(n, bytes int) string {
	if n <= MaxEntryFields && bytes <= MaxEntryBytes {
		return ""
	}
	return fmt.Sprintf("%d fields, %d bytes (limit %d fields, %d bytes)", n, bytes, MaxEntryFields, MaxEntryBytes)
}

// limitEmits wraps a function's handler chain: an invocation that emitted
// an event over the size limit fails permanently, since the event could
// never be written.
func limitEmits(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, msg *Message) error {
		if err := next.Handle(ctx, msg); err != nil {
			return err
		}
		for _, e := range msg.emits {
			if why := overLimit(entrySize(e.Fields)); why != "" {
				return Permanent(fmt.Errorf("emit to %s too large: %s", e.Stream, why))
			}
		}
		return nil
	})
}
