package shopkit

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// Streams returns every partition stream of the shop's event log families
// (model.Streams names them; families limits them, e.g. "events:order"),
// family by family, partition 0 first. A family not created yet has none.
func Streams(ctx context.Context, rdb redis.UniversalClient, families ...string) ([]string, error) {
	if len(families) == 0 {
		families = model.Streams()
	}
	var out []string
	for _, name := range families {
		fam, err := partition.Lookup(ctx, rdb, name)
		if errors.Is(err, partition.ErrNotCreated) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, fam.Streams()...)
	}
	return out, nil
}

// Entry is one entry of the event log and the partition stream it is in.
type Entry struct {
	Stream string
	redis.XMessage
}

// Entries returns every entry of the families' partitions (all of the
// shop's when none is named), merged in entry-id order (exact within a
// partition; ties between partitions in stream order).
func Entries(ctx context.Context, rdb redis.UniversalClient, families ...string) ([]Entry, error) {
	streams, err := Streams(ctx, rdb, families...)
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, s := range streams {
		msgs, err := rdb.XRange(ctx, s, "-", "+").Result()
		if err != nil {
			return nil, fmt.Errorf("XRANGE %s: %w", s, err)
		}
		for _, m := range msgs {
			out = append(out, Entry{Stream: s, XMessage: m})
		}
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return runtime.CompareIDs(a.ID, b.ID) })
	return out, nil
}

// Lens returns XLEN of every partition of the shop's families, by stream.
func Lens(ctx context.Context, rdb redis.UniversalClient) (map[string]int64, error) {
	streams, err := Streams(ctx, rdb)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, s := range streams {
		n, err := rdb.XLen(ctx, s).Result()
		if err != nil {
			return nil, fmt.Errorf("XLEN %s: %w", s, err)
		}
		out[s] = n
	}
	return out, nil
}
