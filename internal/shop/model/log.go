package model

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/partition"
)

// Log is the shop's event log: the partitioned family events:<aggregate>
// (Stream) of every aggregate, each of P partitions (see runtime/partition).
// An event goes to the partition of its entity: partition.Of(entity_id, P)
// of the family of its type, the stream events:<aggregate>:{p<p>}.
//
// A family's partition count is read from Redis the first time the Log
// needs it (created with the Log's count if the family is new, as the
// runtime creates the families a function consumes) and kept: it never
// changes in place.
type Log struct {
	client redis.UniversalClient
	count  int

	mu   sync.Mutex
	fams map[string]partition.Family
}

// NewLog returns the log on client; a family not created yet gets count
// partitions (the runtime's Config.Partitions; 0 means
// partition.DefaultCount).
func NewLog(client redis.UniversalClient, count int) *Log {
	return &Log{client: client, count: count, fams: map[string]partition.Family{}}
}

// FixedLog returns a log whose every family has count partitions, without
// asking Redis: for tests and for code that runs a reaction outside the
// runtime.
func FixedLog(count int) *Log {
	if count == 0 {
		count = partition.DefaultCount
	}
	return &Log{count: count, fams: map[string]partition.Family{}}
}

// Family returns the family of aggregate, opening it on first use.
func (l *Log) Family(ctx context.Context, aggregate string) (partition.Family, error) {
	l.mu.Lock()
	fam, ok := l.fams[aggregate]
	l.mu.Unlock()
	if ok {
		return fam, nil
	}
	if l.client == nil {
		fam = partition.Family{Name: Stream(aggregate), Count: l.count}
	} else {
		var err error
		if fam, err = partition.Open(ctx, l.client, Stream(aggregate), l.count); err != nil {
			return fam, fmt.Errorf("event log: %w", err)
		}
	}
	l.mu.Lock()
	l.fams[aggregate] = fam
	l.mu.Unlock()
	return fam, nil
}

// Families returns the family of every aggregate (Aggregates), opening
// those not open yet.
func (l *Log) Families(ctx context.Context) ([]partition.Family, error) {
	aggs := Aggregates()
	out := make([]partition.Family, len(aggs))
	for i, a := range aggs {
		fam, err := l.Family(ctx, a)
		if err != nil {
			return nil, err
		}
		out[i] = fam
	}
	return out, nil
}

// StreamOf returns the partition stream e goes to: its entity's partition
// of the family of its type.
func (l *Log) StreamOf(ctx context.Context, e Event) (string, error) {
	return l.EntityStream(ctx, AggregateOf(e.Type), e.EntityID)
}

// EntityStream returns the partition stream of entityID in the family of
// aggregate: where the entity's own events are, in order.
func (l *Log) EntityStream(ctx context.Context, aggregate, entityID string) (string, error) {
	fam, err := l.Family(ctx, aggregate)
	if err != nil {
		return "", err
	}
	return fam.StreamOf(entityID), nil
}

// Streams returns every partition stream of the families of aggregates
// (of every aggregate when none is given), family by family, partition 0
// first.
func (l *Log) Streams(ctx context.Context, aggregates ...string) ([]string, error) {
	if len(aggregates) == 0 {
		aggregates = Aggregates()
	}
	var out []string
	for _, a := range aggregates {
		fam, err := l.Family(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, fam.Streams()...)
	}
	return out, nil
}

// AggregateOf is the aggregate an event type belongs to: "order.created"
// is an order event.
func AggregateOf(eventType string) string {
	agg, _, _ := strings.Cut(eventType, ".")
	return agg
}

// PositionsBefore returns, for every partition of the aggregates'
// families, the newest entry no later than entryID's millisecond (stream
// ids are Redis's clock on one node, so these are the entries published
// before or with it), for runtime.CaughtUp: a reaction that depends on
// other entities' events (an order's verdict on the inventory entries of
// its products) waits until its function has handled them. Partitions
// with no such entry are left out; a log without Redis (FixedLog) gives
// none.
func (l *Log) PositionsBefore(ctx context.Context, entryID string, aggregates ...string) (map[string]string, error) {
	if l.client == nil {
		return nil, nil
	}
	ms, _, _ := strings.Cut(entryID, "-")
	end := ms + "-18446744073709551615"
	streams, err := l.Streams(ctx, aggregates...)
	if err != nil {
		return nil, err
	}
	cmds := make([]*redis.XMessageSliceCmd, len(streams))
	if _, err := l.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, s := range streams {
			cmds[i] = pipe.XRevRangeN(ctx, s, end, "-", 1)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("positions before %s: %w", entryID, err)
	}
	pos := map[string]string{}
	for i, c := range cmds {
		if msgs := c.Val(); len(msgs) == 1 {
			pos[streams[i]] = msgs[0].ID
		}
	}
	return pos, nil
}

// Client is the log's Redis (nil for a FixedLog).
func (l *Log) Client() redis.UniversalClient { return l.client }
