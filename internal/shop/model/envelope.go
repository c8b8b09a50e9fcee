package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/ordershop/functions/runtime"
)

// The entry fields of an event beyond the runtime's type, event_id and data
// (runtime.FieldType, FieldEventID, FieldData).
const (
	FieldEntityID      = "entity_id"
	FieldTime          = "time"
	FieldCorrelationID = "correlation_id"
	FieldCausationID   = "causation_id"
)

// ErrBadEvent marks an event that can never be handled (missing fields,
// data that does not decode); BadEvent makes it a permanent failure.
var ErrBadEvent = errors.New("bad event")

// followUpSpace namespaces the deterministic ids of follow-up events.
var followUpSpace = uuid.MustParse("6f0c7c2e-3f0e-4d55-9a43-5b2f3f2a6c11")

// Event is one entry of the event log. Stream and EntryID say where it was
// read from (empty for an event not yet published).
type Event struct {
	Type          string
	ID            string
	EntityID      string
	Time          time.Time
	CorrelationID string
	CausationID   string
	Data          json.RawMessage

	Stream  string
	EntryID string
}

// NewEvent builds an event with a fresh id; data is marshalled to a JSON
// object. correlationID ties it to the request that caused it.
func NewEvent(eventType, entityID, correlationID string, data any) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("marshal %s data: %w", eventType, err)
	}
	return Event{
		Type: eventType, ID: uuid.NewString(), EntityID: entityID, Time: time.Now().UTC(),
		CorrelationID: correlationID, Data: raw,
	}, nil
}

// FollowUp builds an event caused by e. Its id is derived from e's id, the
// new type and discriminator, so a handler that runs twice for the same
// event emits the same ids.
func (e Event) FollowUp(eventType, entityID, discriminator string, data any) (Event, error) {
	out, err := NewEvent(eventType, entityID, e.CorrelationID, data)
	if err != nil {
		return Event{}, err
	}
	out.ID = uuid.NewSHA1(followUpSpace, []byte(e.ID+"/"+eventType+"/"+discriminator)).String()
	out.CausationID = e.ID
	if out.CorrelationID == "" {
		out.CorrelationID = e.ID
	}
	return out, nil
}

// Fields is the stream entry of the event.
func (e Event) Fields() map[string]string {
	return map[string]string{
		runtime.FieldType:    e.Type,
		runtime.FieldEventID: e.ID,
		runtime.FieldData:    string(e.Data),
		FieldEntityID:        e.EntityID,
		FieldTime:            e.Time.UTC().Format(time.RFC3339Nano),
		FieldCorrelationID:   e.CorrelationID,
		FieldCausationID:     e.CausationID,
	}
}

// EventFromFields reads an event from a stream entry.
func EventFromFields(stream, entryID string, fields map[string]string) (Event, error) {
	e := Event{
		Type: fields[runtime.FieldType], ID: fields[runtime.FieldEventID], EntityID: fields[FieldEntityID],
		CorrelationID: fields[FieldCorrelationID], CausationID: fields[FieldCausationID],
		Data: json.RawMessage(fields[runtime.FieldData]), Stream: stream, EntryID: entryID,
	}
	if e.Type == "" || e.ID == "" {
		return e, fmt.Errorf("entry %s of %s: missing type or event_id: %w", entryID, stream, ErrBadEvent)
	}
	if t := fields[FieldTime]; t != "" {
		parsed, err := time.Parse(time.RFC3339Nano, t)
		if err != nil {
			return e, fmt.Errorf("entry %s of %s: time %q: %w", entryID, stream, t, ErrBadEvent)
		}
		e.Time = parsed
	}
	return e, nil
}

// Decode unmarshals the event's data into v; a failure wraps ErrBadEvent.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("decode %s %s: %v: %w", e.Type, e.ID, err, ErrBadEvent)
	}
	return nil
}
