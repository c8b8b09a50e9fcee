package ops

import (
	"encoding/json"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// DeadLetter is one dead-letter entry as operators see it.
type DeadLetter struct {
	// ID is the entry's id in dlq:<function>: what replay and purge take.
	ID       string `json:"id"`
	Function string `json:"function"`
	// Stream and EntryID say where the event was read from.
	Stream  string `json:"stream"`
	EntryID string `json:"entry_id"`
	// Type, EventID and EntityID are the event's own fields, if present.
	Type     string `json:"type"`
	EventID  string `json:"event_id"`
	EntityID string `json:"entity_id,omitempty"`
	// Error is the last attempt's error text, Attempts the attempts made.
	Error        string    `json:"error"`
	Attempts     int       `json:"attempts"`
	Permanent    bool      `json:"permanent"`
	FirstFailure time.Time `json:"first_failure"`
	LastFailure  time.Time `json:"last_failure"`
	// Data is the event's data when it is valid JSON; RawData otherwise.
	Data    json.RawMessage `json:"data,omitempty"`
	RawData string          `json:"raw_data,omitempty"`
	// Fields are the event's other fields (not type, event_id, entity_id
	// or data).
	Fields map[string]string `json:"fields"`
	// Malformed, when set, says why the entry is not a well-formed dead
	// letter; such an entry can be purged but not replayed.
	Malformed string `json:"malformed,omitempty"`
}

// newDeadLetter converts a dead-letter stream entry.
func newDeadLetter(x redis.XMessage) DeadLetter {
	dl, err := runtime.ParseDeadLetter(x)
	out := DeadLetter{
		ID: x.ID, Function: dl.Function, Stream: dl.Stream, EntryID: dl.EntryID,
		Error: dl.Error, Attempts: dl.Attempts, Permanent: dl.Permanent,
		FirstFailure: dl.FirstFailure, LastFailure: dl.LastFailure,
		Type: dl.Fields[runtime.FieldType], EventID: dl.Fields[runtime.FieldEventID],
		EntityID: dl.Fields[EntityIDField], Fields: map[string]string{},
	}
	if err != nil {
		out.Malformed = err.Error()
	}
	if raw, ok := dl.Fields[runtime.FieldData]; ok {
		if json.Valid([]byte(raw)) {
			out.Data = json.RawMessage(raw)
		} else {
			out.RawData = raw
		}
	}
	for k, v := range dl.Fields {
		switch k {
		case runtime.FieldType, runtime.FieldEventID, runtime.FieldData, EntityIDField:
		default:
			out.Fields[k] = v
		}
	}
	return out
}
