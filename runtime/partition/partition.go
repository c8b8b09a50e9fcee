// Package partition is the naming and hashing of partitioned stream
// families, shared by the producers that append to them and the runtime
// that consumes them.
//
// A family (such as "events:order") is split into P partitions, fixed when
// the family is created (Open): P is stored in Redis under
// <family>:partitions and never changed in place; moving a log to another
// P is a migration (see the README). Partition p of a family is the
// stream <family>:{p<p>}, so partition p of every family, and every key a
// function keeps for partition p (its lease, see Lease), carry the same
// Redis Cluster hash tag {p<p>} and share one hash slot: a commit that
// acks an entry of partition p and emits an event about the same entity
// stays within one slot.
//
// An event's partition is Of(key, P): the 32-bit FNV-1a hash of the
// partition key's bytes (the entity id in the shop), modulo P. It is
// stable across processes, languages and versions; changing it is a
// migration too.
package partition

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// DefaultCount is the number of partitions of a family created without an
// explicit count (the runtime's PARTITIONS).
const DefaultCount = 16

// MaxCount bounds the number of partitions of one family.
const MaxCount = 1024

// Of returns the partition of key among count partitions: FNV-1a (32 bit)
// of key's bytes, modulo count. count must be at least 1.
func Of(key string, count int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return int(h.Sum32() % uint32(count))
}

// Tag is the Redis Cluster hash tag of partition p: "{p<p>}".
func Tag(p int) string { return "{p" + strconv.Itoa(p) + "}" }

// Stream is the stream of partition p of family: "<family>:{p<p>}".
func Stream(family string, p int) string { return family + ":" + Tag(p) }

// Parse splits a partition stream name into its family and partition; ok
// is false for a name that is not one.
func Parse(stream string) (family string, p int, ok bool) {
	i := strings.LastIndex(stream, ":{p")
	if i <= 0 || !strings.HasSuffix(stream, "}") {
		return "", 0, false
	}
	n, err := strconv.Atoi(stream[i+3 : len(stream)-1])
	if err != nil || n < 0 || strconv.Itoa(n) != stream[i+3:len(stream)-1] {
		return "", 0, false
	}
	return stream[:i], n, true
}

// CountKey is the key that holds a family's partition count:
// "<family>:partitions".
func CountKey(family string) string { return family + ":partitions" }

// Lease is the key of function's ownership lease of partition p:
// "fn:{p<p>}:<function>:lease". It holds "<consumer>:<epoch>" and expires
// unless renewed by its owner.
func Lease(function string, p int) string { return "fn:" + Tag(p) + ":" + function + ":lease" }

// Epoch is the key of the counter that numbers function's owners of
// partition p, one more at every acquisition: "fn:{p<p>}:<function>:epoch".
func Epoch(function string, p int) string { return "fn:" + Tag(p) + ":" + function + ":epoch" }

// Family is a partitioned stream family and its partition count.
type Family struct {
	// Name is the family, e.g. "events:order".
	Name string
	// Count is P, the number of partitions.
	Count int
}

// Of returns the partition of key in the family.
func (f Family) Of(key string) int { return Of(key, f.Count) }

// Stream returns the stream of partition p.
func (f Family) Stream(p int) string { return Stream(f.Name, p) }

// StreamOf returns the stream the events of key go to.
func (f Family) StreamOf(key string) string { return f.Stream(f.Of(key)) }

// Streams returns the family's streams, partition 0 first.
func (f Family) Streams() []string {
	out := make([]string, f.Count)
	for p := range out {
		out[p] = f.Stream(p)
	}
	return out
}

// ErrNotCreated is returned by Lookup for a family whose count is not
// stored.
var ErrNotCreated = errors.New("partitioned family not created")

// Open returns the family name with the partition count stored in Redis,
// storing count first if none is (SET NX, so concurrent first opens agree
// on one). A stored count that differs from count wins: the family keeps
// the count it was created with (count is only what a new family gets).
// count 0 means DefaultCount.
func Open(ctx context.Context, client redis.UniversalClient, name string, count int) (Family, error) {
	if count == 0 {
		count = DefaultCount
	}
	if err := validate(name, count); err != nil {
		return Family{}, err
	}
	if err := client.SetNX(ctx, CountKey(name), count, 0).Err(); err != nil {
		return Family{}, fmt.Errorf("create family %s: %w", name, err)
	}
	return Lookup(ctx, client, name)
}

// Lookup returns the family name as stored in Redis, or ErrNotCreated.
func Lookup(ctx context.Context, client redis.UniversalClient, name string) (Family, error) {
	s, err := client.Get(ctx, CountKey(name)).Result()
	if errors.Is(err, redis.Nil) {
		return Family{}, fmt.Errorf("family %s: %w", name, ErrNotCreated)
	}
	if err != nil {
		return Family{}, fmt.Errorf("family %s: %w", name, err)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return Family{}, fmt.Errorf("family %s: %s holds %q, not a partition count", name, CountKey(name), s)
	}
	if err := validate(name, n); err != nil {
		return Family{}, err
	}
	return Family{Name: name, Count: n}, nil
}

func validate(name string, count int) error {
	if name == "" || strings.ContainsAny(name, "{}") {
		return fmt.Errorf("family name %q: want a non-empty name without braces", name)
	}
	if count < 1 || count > MaxCount {
		return fmt.Errorf("family %s: %d partitions: want 1 to %d", name, count, MaxCount)
	}
	return nil
}

// Streams returns every partition stream of the named families, family by
// family, partition 0 first; a family not created yet has none.
func Streams(ctx context.Context, client redis.UniversalClient, families ...string) ([]string, error) {
	var out []string
	for _, name := range families {
		fam, err := Lookup(ctx, client, name)
		if errors.Is(err, ErrNotCreated) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, fam.Streams()...)
	}
	return out, nil
}
