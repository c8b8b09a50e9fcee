package ops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// EntityIDField is the entry field that names the entity an event is about.
const EntityIDField = "entity_id"

// eventStreamPrefix starts every event-log stream.
const eventStreamPrefix = "events:"

// tailBlock is how long one XREAD of Tail blocks.
const tailBlock = 2 * time.Second

// Event is one event-log entry as operators see it.
type Event struct {
	Stream   string `json:"stream"`
	EntryID  string `json:"entry_id"`
	Type     string `json:"type"`
	EventID  string `json:"event_id"`
	EntityID string `json:"entity_id,omitempty"`
	// Time is the entry's "time" field when it has one, else the time in
	// its entry id (when it was appended).
	Time time.Time `json:"time"`
	// Data is the event's data when it is valid JSON; RawData otherwise.
	Data    json.RawMessage `json:"data,omitempty"`
	RawData string          `json:"raw_data,omitempty"`
	// Fields are the entry's other fields.
	Fields map[string]string `json:"fields"`
}

// EventStream is the stream of an aggregate: "order" and "events:order"
// both give "events:order".
func EventStream(aggregate string) (string, error) {
	name := strings.TrimPrefix(aggregate, eventStreamPrefix)
	if name == "" || strings.ContainsAny(name, " \t\r\n*?[]") {
		return "", fmt.Errorf("aggregate %q: want a name such as order or events:order: %w", aggregate, ErrInvalid)
	}
	return eventStreamPrefix + name, nil
}

// newEvent converts an event-log entry.
func newEvent(stream string, x redis.XMessage) Event {
	e := Event{Stream: stream, EntryID: x.ID, Time: idTime(x.ID), Fields: map[string]string{}}
	for k, v := range x.Values {
		s, _ := v.(string)
		switch k {
		case runtime.FieldType:
			e.Type = s
		case runtime.FieldEventID:
			e.EventID = s
		case EntityIDField:
			e.EntityID = s
		case runtime.FieldData:
			if json.Valid([]byte(s)) {
				e.Data = json.RawMessage(s)
			} else {
				e.RawData = s
			}
		default:
			e.Fields[k] = s
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, e.Fields["time"]); err == nil {
		e.Time = t
		delete(e.Fields, "time")
	}
	return e
}

// History returns every event of one entity (entries whose entity_id is
// entityID) in aggregate's stream, in stream order. It reads the whole
// stream. A missing stream or an entity without events is ErrNotFound.
func (o *Ops) History(ctx context.Context, aggregate, entityID string) ([]Event, error) {
	stream, err := EventStream(aggregate)
	if err != nil {
		return nil, err
	}
	if entityID == "" {
		return nil, fmt.Errorf("entity id is empty: %w", ErrInvalid)
	}
	n, err := o.rdb.Exists(ctx, stream).Result()
	if err != nil {
		return nil, fmt.Errorf("EXISTS %s: %w", stream, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("stream %s: %w", stream, ErrNotFound)
	}
	var out []Event
	err = o.walk(ctx, stream, "+", func(xs []redis.XMessage) error {
		for _, x := range xs {
			if v, _ := x.Values[EntityIDField].(string); v == entityID {
				out = append(out, newEvent(stream, x))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no events of %s in %s: %w", entityID, stream, ErrNotFound)
	}
	return out, nil
}

// Tail calls each for every event appended to aggregate's stream from now
// on (or from its first entry, with fromStart), until ctx ends or each
// returns an error. It returns nil when ctx ends. The stream need not
// exist yet.
func (o *Ops) Tail(ctx context.Context, aggregate string, fromStart bool, each func(Event) error) error {
	stream, err := EventStream(aggregate)
	if err != nil {
		return err
	}
	// Resolve "$" once: re-reading from "$" would skip entries appended
	// between two reads.
	last := "0-0"
	if !fromStart {
		if id, err := o.snapshot(ctx, stream); err != nil {
			return err
		} else if id != "" {
			last = id
		}
	}
	for {
		res, err := o.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{stream, last}, Count: pageSize, Block: tailBlock}).Result()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, redis.Nil):
			continue
		case err != nil:
			return fmt.Errorf("XREAD %s: %w", stream, err)
		}
		for _, s := range res {
			for _, x := range s.Messages {
				if err := each(newEvent(stream, x)); err != nil {
					return err
				}
				last = x.ID
			}
		}
	}
}
