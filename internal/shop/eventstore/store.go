// Package eventstore is the shop's client of the event log: it publishes
// events to events:<aggregate> and reads them back.
package eventstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
)

// ErrGuarded is returned by PublishGuarded when the guard was already set:
// the command was done before, and nothing was written.
var ErrGuarded = errors.New("already done")

// Store publishes and reads shop events.
type Store struct {
	rdb redis.UniversalClient
}

// New returns a Store on rdb.
func New(rdb redis.UniversalClient) *Store { return &Store{rdb: rdb} }

// Publish appends events to their streams (model.StreamOf) in one
// MULTI/EXEC: all of them or none. It returns the entry ids.
func (s *Store) Publish(ctx context.Context, events ...model.Event) ([]string, error) {
	if len(events) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.StringCmd, len(events))
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, e := range events {
			cmds[i] = p.XAdd(ctx, &redis.XAddArgs{Stream: model.StreamOf(e.Type), Values: e.Fields()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("publish %d events: %w", len(events), err)
	}
	ids := make([]string, len(cmds))
	for i, c := range cmds {
		ids[i] = c.Val()
	}
	return ids, nil
}

// publishGuarded sets a guard key and appends one event, or does nothing if
// the guard is set. KEYS[1] is the guard key, KEYS[2] the stream; ARGV[1]
// is the guard's value (e.g. the new event's id), ARGV[2..] the entry's
// field/value pairs. Returns the new entry id, or false when guarded.
var publishGuarded = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then
  return false
end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
return redis.call('XADD', KEYS[2], '*', unpack(fields))
`)

// PublishGuarded appends e only if guardKey is not set yet, atomically
// setting it: a command that may be done once (pay an order, delete an
// entity) races safely. It returns ErrGuarded when the guard was set.
func (s *Store) PublishGuarded(ctx context.Context, guardKey string, e model.Event) (string, error) {
	args := []any{e.ID}
	for k, v := range e.Fields() {
		args = append(args, k, v)
	}
	id, err := publishGuarded.Run(ctx, s.rdb, []string{guardKey, model.StreamOf(e.Type)}, args...).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return "", ErrGuarded
	case err != nil:
		return "", fmt.Errorf("publish %s guarded by %s: %w", e.Type, guardKey, err)
	}
	return id, nil
}

// Range reads up to count events of stream after the entry id after ("0"
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
// It scans the aggregate's stream.
func (s *Store) History(ctx context.Context, aggregate, entityID string) ([]model.Event, error) {
	var out []model.Event
	err := s.Scan(ctx, model.Stream(aggregate), func(e model.Event) error {
		if e.EntityID == entityID {
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// Scan calls fn for every event of stream, oldest first, reading in pages.
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
