package ops

import (
	"context"
	"fmt"
	"strings"
)

// EventStream is the stream of an aggregate: with StreamPrefix "events:",
// "order" and "events:order" both give "events:order".
func (o *Ops) EventStream(aggregate string) (string, error) {
	name := strings.TrimPrefix(aggregate, o.opts.StreamPrefix)
	if name == "" || strings.ContainsAny(name, " \t\r\n*?[]") {
		return "", fmt.Errorf("aggregate %q: want a name such as order or %sorder: %w", aggregate, o.opts.StreamPrefix, ErrInvalid)
	}
	return o.opts.StreamPrefix + name, nil
}

// History returns every event of one entity (entries whose EntityField is
// entityID) in aggregate's stream, in stream order. It reads the whole
// stream. A missing stream or an entity without events is ErrNotFound;
// without an EntityField every history is empty.
func (o *Ops) History(ctx context.Context, aggregate, entityID string) ([]Event, error) {
	stream, err := o.EventStream(aggregate)
	if err != nil {
		return nil, err
	}
	if entityID == "" {
		return nil, fmt.Errorf("entity id is empty: %w", ErrInvalid)
	}
	var out []Event
	err = o.insp.EachEvent(ctx, stream, func(e Event) error {
		if o.opts.EntityField != "" && e.EntityID == entityID {
			out = append(out, e)
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
	stream, err := o.EventStream(aggregate)
	if err != nil {
		return err
	}
	return o.insp.Tail(ctx, stream, fromStart, each)
}
