package shopkit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

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
	return partition.Streams(ctx, rdb, families...)
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

// LeaseOwners returns, for leased function fn, how many partitions of the
// shop's families each owner holds (by consumer name: a lease holds
// "<consumer>:<epoch>"), read from the leases of partitions 0 to P-1 of
// events:order (every shop family is created with one count), and P.
func LeaseOwners(ctx context.Context, rdb redis.UniversalClient, fn string) (map[string]int, int, error) {
	fam, err := partition.Lookup(ctx, rdb, model.Stream(model.AggOrder))
	if err != nil {
		return nil, 0, err
	}
	out := map[string]int{}
	for p := range fam.Count {
		v, err := rdb.Get(ctx, partition.Lease(fn, p)).Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return nil, 0, fmt.Errorf("lease of %s on partition %d: %w", fn, p, err)
		}
		if i := strings.LastIndex(v, ":"); i > 0 {
			v = v[:i]
		}
		out[v]++
	}
	return out, fam.Count, nil
}

// WaitShared waits until every partition of leased function fn is owned
// and n instances own them, failing t after timeout, and returns the
// partitions per owner.
func WaitShared(t testing.TB, rdb redis.UniversalClient, fn string, n int, timeout time.Duration) map[string]int {
	t.Helper()
	var owners map[string]int
	var count, held int
	var err error
	deadline := time.Now().Add(timeout)
	for {
		owners, count, err = LeaseOwners(context.Background(), rdb, fn)
		held = 0
		for _, k := range owners {
			held += k
		}
		if err == nil && len(owners) == n && held == count {
			return owners
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d of %d partitions owned, by %v (want %d owners), err %v, after %s", fn, held, count, owners, n, err, timeout)
		}
		time.Sleep(50 * time.Millisecond) // a poll interval
	}
}
