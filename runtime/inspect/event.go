package inspect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/internal/streamid"
)

// Event is one event-log entry as an operator sees it: its fields decoded
// once (see eventView), the same way as a dead letter's.
type Event struct {
	Stream  string `json:"stream"`
	EntryID string `json:"entry_id"`
	Type    string `json:"type"`
	EventID string `json:"event_id"`
	// EntityID is the entity field's value (WithEntityField), if any.
	EntityID string `json:"entity_id,omitempty"`
	// Time is the entry's time field (WithTimeField) when it has a valid
	// one, else the time in its entry id (when it was appended).
	Time time.Time `json:"time"`
	// Data is the event's data when it is valid JSON; RawData otherwise.
	Data    json.RawMessage `json:"data,omitempty"`
	RawData string          `json:"raw_data,omitempty"`
	// Fields are the entry's other fields.
	Fields map[string]string `json:"fields"`
}

// eventView is an entry's fields split into what operators read by name
// and the rest: the one decoding of an event's fields that Event and
// DeadLetter share.
type eventView struct {
	typ, eventID, entityID string
	data                   json.RawMessage
	rawData                string
	other                  map[string]string
}

// viewEvent splits fields; entityField may be "" (no entity field).
func viewEvent(fields map[string]string, entityField string) eventView {
	v := eventView{typ: fields[runtime.FieldType], eventID: fields[runtime.FieldEventID], other: make(map[string]string, len(fields))}
	if entityField != "" {
		v.entityID = fields[entityField]
	}
	if raw, ok := fields[runtime.FieldData]; ok {
		if json.Valid([]byte(raw)) {
			v.data = json.RawMessage(raw)
		} else {
			v.rawData = raw
		}
	}
	for k, s := range fields {
		switch k {
		case runtime.FieldType, runtime.FieldEventID, runtime.FieldData, entityField:
		default:
			v.other[k] = s
		}
	}
	return v
}

// describe sets the dead letter's view of its event from Fields.
func (dl *DeadLetter) describe(entityField string) {
	v := viewEvent(dl.Fields, entityField)
	dl.Type, dl.EventID, dl.EntityID = v.typ, v.eventID, v.entityID
	dl.Data, dl.RawData, dl.Other = v.data, v.rawData, v.other
}

// event converts an event-log entry.
func (i *Inspector) event(stream string, x redis.XMessage) Event {
	fields := make(map[string]string, len(x.Values))
	for k, v := range x.Values {
		s, _ := v.(string)
		fields[k] = s
	}
	v := viewEvent(fields, i.entityField)
	e := Event{
		Stream: stream, EntryID: x.ID, Type: v.typ, EventID: v.eventID, EntityID: v.entityID,
		Time: streamid.Must(x.ID).Time(), Data: v.data, RawData: v.rawData, Fields: v.other,
	}
	if i.timeField == "" {
		return e
	}
	if t, err := time.Parse(time.RFC3339Nano, e.Fields[i.timeField]); err == nil {
		e.Time = t
		delete(e.Fields, i.timeField)
	}
	return e
}

// EachEvent calls each for every entry of stream, oldest first, until the
// stream's end (as it was when EachEvent reached it) or each returns an
// error. A missing stream is ErrNotFound.
func (i *Inspector) EachEvent(ctx context.Context, stream string, each func(Event) error) error {
	pos, err := i.Stream(ctx, stream)
	if err != nil {
		return err
	}
	if !pos.Exists {
		return fmt.Errorf("stream %s: %w", stream, ErrNotFound)
	}
	return i.walk(ctx, stream, "+", func(xs []redis.XMessage) error {
		for _, x := range xs {
			if err := each(i.event(stream, x)); err != nil {
				return err
			}
		}
		return nil
	})
}

// tailBlock is how long one XREAD of Tail blocks.
const tailBlock = 2 * time.Second

// Tail calls each for every entry appended to stream from now on (or from
// its first entry, with fromStart), until ctx ends (nil) or each returns
// an error. The stream need not exist yet.
func (i *Inspector) Tail(ctx context.Context, stream string, fromStart bool, each func(Event) error) error {
	return i.TailStreams(ctx, []string{stream}, fromStart, each)
}

// TailStreams is Tail over several streams at once (the partitions of a
// family): each stream's events come in its order, the streams
// interleaved as they are read.
func (i *Inspector) TailStreams(ctx context.Context, streams []string, fromStart bool, each func(Event) error) error {
	// Resolve "$" once: re-reading from "$" would skip entries appended
	// between two reads.
	last := make([]string, len(streams))
	for k, stream := range streams {
		last[k] = "0-0"
		if !fromStart {
			pos, err := i.Stream(ctx, stream)
			if err != nil {
				return err
			}
			if pos.LastID != "" {
				last[k] = pos.LastID
			}
		}
	}
	index := make(map[string]int, len(streams))
	for k, s := range streams {
		index[s] = k
	}
	for {
		res, err := xread(ctx, i.rdb, streams, last, pageSize, tailBlock)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			return fmt.Errorf("XREAD %v: %w", streams, err)
		}
		for _, s := range res {
			for _, x := range s.Messages {
				if err := each(i.event(s.Stream, x)); err != nil {
					return err
				}
				last[index[s.Stream]] = x.ID
			}
		}
	}
}
