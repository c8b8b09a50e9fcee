package runtime

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/entry"
)

// The fields every event entry carries (the event-log contract).
const (
	FieldType    = engine.FieldType    // event type, e.g. "order.created"
	FieldEventID = engine.FieldEventID // unique event id; with the function name, the idempotency key
	FieldData    = engine.FieldData    // the event's payload, a JSON object
)

// Message is one event handed to a Handler.
type Message struct {
	// Function is the name of the function being invoked.
	Function string
	// Stream and ID locate the entry in the event log.
	Stream string
	ID     string
	// Type, EventID and Data are the entry's contract fields; Data is a
	// JSON object.
	Type    string
	EventID string
	Data    json.RawMessage
	// Fields holds every field of the entry, including the three above.
	Fields map[string]string
	// Attempt counts invocations of this event by this function, from 1.
	Attempt int
	// IdempotencyKey is "<function>:<event_id>": pass it to side effects
	// outside Redis (payment APIs, mail) so that they can deduplicate too.
	IdempotencyKey string
	// FirstFailure is when the first failed attempt happened (zero on the
	// first attempt).
	FirstFailure time.Time

	// emits are the events queued by Emit in this attempt. The engine's
	// state of the entry (internal/engine.Entry) is allocated with the
	// Message (see host.NewEntry).
	emits []Emit
}

// Emit is an event a handler emits: XADDed to Stream with Fields when the
// invocation commits, never on failure.
type Emit struct {
	Stream string
	Fields map[string]string
}

// Emit queues an event for the stream; it is written atomically with this
// invocation's ack and idempotency record, only if the handler returns nil.
func (m *Message) Emit(stream string, fields map[string]string) {
	m.emits = append(m.emits, Emit{Stream: stream, Fields: fields})
}

// Emitted returns the events queued so far by Emit.
func (m *Message) Emitted() []Emit { return m.emits }

// Decode unmarshals Data into v. A failure is Permanent: a payload that does
// not decode now will not decode on a retry either.
func (m *Message) Decode(v any) error {
	if err := json.Unmarshal(m.Data, v); err != nil {
		return Permanent(fmt.Errorf("decode %s data: %w", m.Type, err))
	}
	return nil
}

// newMessage builds a Message from an entry's fields (Invoke's), or says
// why they are not a well-formed event.
func newMessage(function, stream, id string, fields map[string]string) (*Message, error) {
	m := &Message{Function: function, Stream: stream, ID: id, Fields: fields, Attempt: 1}
	m.Type, m.EventID = fields[FieldType], fields[FieldEventID]
	if m.EventID != "" {
		m.IdempotencyKey = function + ":" + m.EventID
	}
	var err error
	m.Data, err = eventData(m.Fields, m.Type, m.EventID)
	return m, err
}

// eventData checks the size (MaxEntryFields, MaxEntryBytes) and the
// contract fields of an entry's fields, and returns its Data.
func eventData(fields map[string]string, eventType, eventID string) (json.RawMessage, error) {
	data, reason := entry.Data(fields, eventType, eventID)
	if reason != "" {
		return nil, &DecodeError{Reason: reason}
	}
	return data, nil
}

// The per-entry size limit. A stream entry over it is not run: it is
// dead-lettered at once as malformed ("entry too large"), with a dead
// letter that is a summary (see newDeadLetterEntry), so that every commit
// stays small enough to be written whole. An event a handler emits over it
// fails the invocation permanently. Fields count names and values alike:
// MaxEntryBytes (1 MiB) bounds the sum of len(name)+len(value).
const (
	MaxEntryFields = entry.MaxFields
	MaxEntryBytes  = entry.MaxBytes
)

// maxWriteValues is the most field names and values one write may carry.
const maxWriteValues = entry.MaxWriteValues
