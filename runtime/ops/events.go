package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ordershop/functions/runtime/partition"
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

// streamsOf returns the streams a name of the event log stands for: the
// partitions of a partitioned family (runtime/partition), else the stream
// itself.
func (o *Ops) streamsOf(ctx context.Context, name string) ([]string, error) {
	fam, err := partition.Lookup(ctx, o.rdb, name)
	switch {
	case errors.Is(err, partition.ErrNotCreated):
		return []string{name}, nil
	case err != nil:
		return nil, err
	}
	return fam.Streams(), nil
}

// entityStream is the stream that holds entityID's events of aggregate:
// its partition of a partitioned family (partitioned by EntityField),
// else the aggregate's stream.
func (o *Ops) entityStream(ctx context.Context, aggregate, entityID string) (string, error) {
	stream, err := o.EventStream(aggregate)
	if err != nil {
		return "", err
	}
	fam, err := partition.Lookup(ctx, o.rdb, stream)
	switch {
	case errors.Is(err, partition.ErrNotCreated):
		return stream, nil
	case err != nil:
		return "", err
	}
	return fam.StreamOf(entityID), nil
}

// History returns every event of one entity (entries whose EntityField is
// entityID) in aggregate's stream, or in its partition of a partitioned
// family, in stream order. It reads that whole stream. A missing stream or
// an entity without events is ErrNotFound; without an EntityField every
// history is empty.
func (o *Ops) History(ctx context.Context, aggregate, entityID string) ([]Event, error) {
	if entityID == "" {
		return nil, fmt.Errorf("entity id is empty: %w", ErrInvalid)
	}
	stream, err := o.entityStream(ctx, aggregate, entityID)
	if err != nil {
		return nil, err
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

// Tail calls each for every event appended to aggregate's stream (every
// partition of a partitioned family) from now on (or from its first
// entry, with fromStart), until ctx ends or each returns an error. It
// returns nil when ctx ends. The stream need not exist yet.
func (o *Ops) Tail(ctx context.Context, aggregate string, fromStart bool, each func(Event) error) error {
	stream, err := o.EventStream(aggregate)
	if err != nil {
		return err
	}
	streams, err := o.streamsOf(ctx, stream)
	if err != nil {
		return err
	}
	return o.insp.TailStreams(ctx, streams, fromStart, each)
}
