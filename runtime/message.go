package runtime

import (
	"encoding/json"
	"fmt"
	"time"
)

// The fields every event entry carries (the event-log contract).
const (
	FieldType    = "type"     // event type, e.g. "order.created"
	FieldEventID = "event_id" // unique event id; with the function name, the idempotency key
	FieldData    = "data"     // the event's payload, a JSON object
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

	emits []Emit
	// values holds the entry as read until decode turns it into Fields.
	values map[string]any
	// commit is the storage of the item that settles a stream entry (one
	// per entry, so it needs no allocation of its own).
	commit commitItem
	// run is the delivery state of a stream entry (see pool).
	run runState
}

// runState is where a stream entry stands on this instance.
type runState struct {
	// recovered: the entry was delivered before and not settled (its
	// holder died, stopped or hung), so its run here is isolated and its
	// delivery count bumped first.
	recovered bool
	// started: an attempt began here (a never-started entry's delivery is
	// given back at shutdown).
	started bool
	// parked: the entry's pool slot was given back while its key waits.
	parked bool
	// gated: the entry holds a read lock of the function's gate until it
	// settles.
	gated bool
	// counted is the entry's delivery count as Redis has it: the attempts
	// begun or about to begin. An attempt past it is counted (bumped)
	// before it runs, so attempts survive a crash.
	counted int
}

// retryCopy returns a copy of msg for its next attempt, when the handler
// of this one was given up and may still be using msg.
func (m *Message) retryCopy() *Message {
	c := *m
	c.emits = nil
	c.commit = commitItem{}
	c.run.gated = false
	return &c
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

// peekMessage reads only what intake needs of a raw stream entry (type,
// event id); the rest is decoded by the worker that runs it (decode), off
// the reader's path.
func peekMessage(function, stream, id string, values map[string]any) *Message {
	m := &Message{Function: function, Stream: stream, ID: id, Attempt: 1, values: values}
	m.Type, _ = values[FieldType].(string)
	m.EventID, _ = values[FieldEventID].(string)
	if m.EventID != "" {
		m.IdempotencyKey = function + ":" + m.EventID
	}
	return m
}

// field returns one field of the entry, decoded or not.
func (m *Message) field(name string) string {
	if m.values != nil {
		s, _ := m.values[name].(string)
		return s
	}
	return m.Fields[name]
}

// decode fills Fields and Data from the raw entry, or says why the entry
// is not a well-formed event. It is a no-op on a decoded message.
func (m *Message) decode() error {
	if m.values == nil {
		return nil
	}
	fields := make(map[string]string, len(m.values))
	for k, v := range m.values {
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		fields[k] = s
	}
	m.values, m.Fields = nil, fields
	return m.setData()
}

// newMessage builds a Message from an entry's fields (a retry task's), or
// says why they are not a well-formed event.
func newMessage(function, stream, id string, fields map[string]string) (*Message, error) {
	m := &Message{Function: function, Stream: stream, ID: id, Fields: fields, Attempt: 1}
	m.Type, m.EventID = fields[FieldType], fields[FieldEventID]
	if m.EventID != "" {
		m.IdempotencyKey = function + ":" + m.EventID
	}
	return m, m.setData()
}

// setData checks the size (MaxEntryFields, MaxEntryBytes) and the contract
// fields of m.Fields, and sets Data.
func (m *Message) setData() error {
	if why := overLimit(entrySize(m.Fields)); why != "" {
		return &DecodeError{Reason: "entry too large: " + why}
	}
	switch {
	case m.Type == "":
		return &DecodeError{Reason: "missing field " + FieldType}
	case m.EventID == "":
		return &DecodeError{Reason: "missing field " + FieldEventID}
	}
	data, ok := m.Fields[FieldData]
	if !ok {
		return &DecodeError{Reason: "missing field " + FieldData}
	}
	if !isJSONObject(data) {
		return &DecodeError{Reason: "field data is not a JSON object"}
	}
	m.Data = json.RawMessage(data)
	return nil
}

func isJSONObject(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return json.Valid([]byte(s))
		default:
			return false
		}
	}
	return false
}
