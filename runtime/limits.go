package runtime

import (
	"context"
	"fmt"

	"github.com/ordershop/functions/runtime/internal/entry"
)

// The per-entry size limit. A stream entry over it is not run: it is
// dead-lettered at once as malformed ("entry too large"), with a dead
// letter that is a summary (see newDeadLetterEntry), so that every commit
// stays small enough to be written whole. An event a handler emits over it
// fails the invocation permanently. Fields count names and values alike:
// MaxEntryBytes bounds the sum of len(name)+len(value). They are 1000
// fields and 1 MiB.
const (
	MaxEntryFields = entry.MaxFields
	MaxEntryBytes  = entry.MaxBytes
)

// maxWriteValues is the most field names and values one write may carry.
const maxWriteValues = entry.MaxWriteValues

// limitEmits wraps a function's handler chain: an invocation that emitted
// an event over the size limit fails permanently, since the event could
// never be written.
func limitEmits(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, msg *Message) error {
		if err := next.Handle(ctx, msg); err != nil {
			return err
		}
		for _, e := range msg.emits {
			if why := entry.OverLimit(entry.Size(e.Fields)); why != "" {
				return Permanent(fmt.Errorf("emit to %s too large: %s", e.Stream, why))
			}
		}
		return nil
	})
}
