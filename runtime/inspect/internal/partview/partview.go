// Package partview is the inspector's view of a partitioned function's
// partitions: each partition's streams, lag and pending summed over its
// families, and the owner, epoch and remaining life of its lease. The
// inspect package shows it as PartitionStatus.
package partview

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// Millis is a duration that marshals to JSON as whole milliseconds.
type Millis time.Duration

// MarshalJSON writes the duration in milliseconds.
func (m Millis) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%d", time.Duration(m).Milliseconds()), nil
}

// Status is one partition p of a partitioned function (one whose
// registry entry names Families): partition p of each of its families,
// who owns it and how far the function's group has read it.
type Status struct {
	// Partition is p.
	Partition int `json:"partition"`
	// Streams are partition p of each family, <family>:{p<p>}, in the
	// order of the function's families (a family with fewer partitions
	// has none here).
	Streams []string `json:"streams"`
	// Owner is the consumer (instance) holding the function's lease of
	// partition p (partition.Lease), "" when no one holds it: no lease,
	// it expired, or the function does not lease its partitions.
	Owner string `json:"owner,omitempty"`
	// Epoch is the owner's fencing epoch, from the lease; 0 without an
	// owner.
	Epoch int64 `json:"epoch,omitempty"`
	// LeaseTTL is how long the lease lasts unless its owner renews it; 0
	// without an owner.
	LeaseTTL Millis `json:"lease_ttl_ms,omitempty"`
	// Lag is the entries of the partition's streams not yet delivered to
	// the group (XINFO GROUPS lag), summed over Streams; nil when Redis
	// cannot tell for one of them or the group is missing on one.
	Lag *int64 `json:"lag"`
	// Pending is the entries delivered and not yet acked, summed over
	// Streams.
	Pending int64 `json:"pending"`
}

// Stream is what Read needs of one stream of the function: its name,
// pending entries and lag (nil when Redis cannot tell).
type Stream struct {
	Name    string
	Pending int64
	Lag     *int64
}

// Read groups a partitioned function's streams by partition and reads
// the function's lease of each; nil for a function without families.
func Read(ctx context.Context, rdb redis.UniversalClient, info runtime.FunctionInfo, streams []Stream) ([]Status, error) {
	count := 0
	families := make(map[string]bool, len(info.Families))
	for _, f := range info.Families {
		families[f.Name] = true
		count = max(count, f.Partitions)
	}
	if count == 0 {
		return nil, nil
	}
	out := make([]Status, count)
	known := make([]bool, count)
	for p := range out {
		out[p] = Status{Partition: p, Streams: []string{}}
		known[p] = true
	}
	for _, ss := range streams {
		fam, p, ok := partition.Parse(ss.Name)
		if !ok || !families[fam] || p >= count {
			continue
		}
		ps := &out[p]
		ps.Streams = append(ps.Streams, ss.Name)
		ps.Pending += ss.Pending
		if ss.Lag == nil {
			known[p] = false
			continue
		}
		if ps.Lag == nil {
			ps.Lag = new(int64)
		}
		*ps.Lag += *ss.Lag
	}
	for p := range out {
		if !known[p] || len(out[p].Streams) == 0 {
			out[p].Lag = nil
		}
	}
	if err := readLeases(ctx, rdb, info.Name, out); err != nil {
		return nil, err
	}
	return out, nil
}

// readLeases fills in the owner, epoch and remaining time of function's
// lease of each partition, in one pipeline.
func readLeases(ctx context.Context, rdb redis.UniversalClient, function string, out []Status) error {
	pipe := rdb.Pipeline()
	values := make([]*redis.StringCmd, len(out))
	ttls := make([]*redis.DurationCmd, len(out))
	for p := range out {
		values[p] = pipe.Get(ctx, partition.Lease(function, p))
		ttls[p] = pipe.PTTL(ctx, partition.Lease(function, p))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("leases of %s: %w", function, err)
	}
	for p := range out {
		v, err := values[p].Result()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			return fmt.Errorf("GET %s: %w", partition.Lease(function, p), err)
		}
		out[p].Owner, out[p].Epoch = ParseLease(v)
		if ttl := ttls[p].Val(); ttl > 0 {
			out[p].LeaseTTL = Millis(ttl.Round(time.Millisecond))
		}
	}
	return nil
}

// ParseLease splits a lease's value "<consumer>:<epoch>" into its owner
// and epoch. The epoch is what follows the last colon (a consumer name
// may hold colons); a value without a numeric epoch is all owner, epoch 0.
func ParseLease(v string) (owner string, epoch int64) {
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return v, 0
	}
	n, err := strconv.ParseInt(v[i+1:], 10, 64)
	if err != nil {
		return v, 0
	}
	return v[:i], n
}
