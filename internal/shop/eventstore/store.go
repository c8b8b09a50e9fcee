// Package eventstore is the shop's client of the event log: it publishes
// events to their entities' partitions of the families events:<aggregate>
// (model.Log) and reads them back.
package eventstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
)

// ErrGuarded is returned by Commit for a guard without an Err of its own
// that was set already: the command was done before, and nothing was
// written.
var ErrGuarded = errors.New("already done")

// Store publishes and reads shop events.
type Store struct {
	rdb  redis.UniversalClient
	log  *model.Log
	repl Replication
}

// New returns a Store on rdb writing to and reading the partitions of log.
func New(rdb redis.UniversalClient, log *model.Log, opts ...Option) *Store {
	s := &Store{rdb: rdb, log: log}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Log is the event log the store writes to.
func (s *Store) Log() *model.Log { return s.log }

// Publish appends events to their partitions (model.Log.StreamOf) as one
// Commit: all of them or none on one Redis node and for events in one
// slot of a Redis Cluster, one step per slot otherwise. It returns the
// entry ids.
func (s *Store) Publish(ctx context.Context, events ...model.Event) ([]string, error) {
	if len(events) == 0 {
		return nil, nil
	}
	res, err := s.Commit(ctx, Command{Events: events})
	if err != nil {
		return nil, fmt.Errorf("publish: %w", err)
	}
	return res.EntryIDs, nil
}

// Range reads up to count events of stream (one partition) after the entry id after ("0"
// for the beginning), in order.
func (s *Store) Range(ctx context.Context, stream, after string, count int64) ([]model.Event, error) {
	start := "-"
	if after != "0" && after != "" {
		start = "(" + after
	}
	msgs, err := s.rdb.XRangeN(ctx, stream, start, "+", count).Result()
	if err != nil {
		return nil, fmt.Errorf("XRANGE %s: %w", stream, err)
	}
	out := make([]model.Event, 0, len(msgs))
	for _, m := range msgs {
		fields := make(map[string]string, len(m.Values))
		for k, v := range m.Values {
			if str, ok := v.(string); ok {
				fields[k] = str
			}
		}
		e, err := model.EventFromFields(stream, m.ID, fields)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// History returns every event of one entity of an aggregate, oldest first.
// It scans the entity's partition of the aggregate's family only.
func (s *Store) History(ctx context.Context, aggregate, entityID string) ([]model.Event, error) {
	stream, err := s.log.EntityStream(ctx, aggregate, entityID)
	if err != nil {
		return nil, err
	}
	var out []model.Event
	err = s.Scan(ctx, stream, func(e model.Event) error {
		if e.EntityID == entityID {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Scan calls fn for every event of stream (one partition), oldest first,
// reading in pages. ScanAll reads several streams merged.
func (s *Store) Scan(ctx context.Context, stream string, fn func(model.Event) error) error {
	const page = 1000
	after := "0"
	for {
		events, err := s.Range(ctx, stream, after, page)
		if err != nil {
			return err
		}
		for _, e := range events {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(events) < page {
			return nil
		}
		after = events[len(events)-1].EntryID
	}
}
