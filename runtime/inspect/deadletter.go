package inspect

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// DeadLetter is one entry of a dead-letter stream (written by the runtime
// in the format of the runtime.DLQField* fields), parsed: the one type
// for a dead letter, in the Inspector, Replay and the operator tools (its
// JSON form is what `ordershop dlq show --json` and /admin print).
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
	// holds only its type and event_id (see runtime.DLQFieldTruncated).
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

// ParseDeadLetter reads a dead-letter stream entry.
func ParseDeadLetter(x redis.XMessage) (DeadLetter, error) {
	dl := DeadLetter{ID: x.ID, Fields: map[string]string{}}
	for k, v := range x.Values {
		s, _ := v.(string)
		if !strings.HasPrefix(k, runtime.DLQFieldPrefix) {
			dl.Fields[k] = s
			continue
		}
		switch k {
		case runtime.DLQFieldFunction:
			dl.Function = s
		case runtime.DLQFieldStream:
			dl.Stream = s
		case runtime.DLQFieldEntryID:
			dl.EntryID = s
		case runtime.DLQFieldError:
			dl.Error = s
		case runtime.DLQFieldAttempts:
			dl.Attempts, _ = strconv.Atoi(s)
		case runtime.DLQFieldPermanent:
			dl.Permanent = s == "true"
		case runtime.DLQFieldTruncated:
			dl.Truncated = s == "true"
		case runtime.DLQFieldFirstFailure:
			dl.FirstFailure, _ = time.Parse(time.RFC3339Nano, s)
		case runtime.DLQFieldLastFailure:
			dl.LastFailure, _ = time.Parse(time.RFC3339Nano, s)
		}
	}
	dl.describe("")
	if dl.Function == "" || dl.Stream == "" || dl.EntryID == "" {
		return dl, fmt.Errorf("dead letter %s: missing %s, %s or %s", x.ID, runtime.DLQFieldFunction, runtime.DLQFieldStream, runtime.DLQFieldEntryID)
	}
	return dl, nil
}
