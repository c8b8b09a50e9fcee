package runtime_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
	"github.com/redis/go-redis/v9"
)

// A Partitioned function consumes every partition of its family, which it
// creates with PARTITIONS partitions when it is the first to open it.
func TestPartitionedFunctionReadsEveryPartition(t *testing.T) {
	rdb, family, name := fixture(t, "part")
	cfg := testConfig()
	cfg.Partitions = 4
	calls := startCounting(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{family}, Partitioned: true}, nil)
	fam, err := partition.Lookup(context.Background(), rdb, family)
	if err != nil || fam.Count != 4 {
		t.Fatalf("family after start: %+v, %v", fam, err)
	}
	for i := range 40 {
		key := eventID(i)
		publish(t, rdb, fam.StreamOf(key), "thing.happened", key, map[string]string{"id": key})
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return calls.distinct() == 40 }, "every event of every partition handled")
	infos, err := runtime.ListFunctions(context.Background(), rdb, cfg.RegistryKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range infos {
		if fi.Name == name {
			if len(fi.Streams) != 4 || len(fi.Families) != 1 || fi.Families[0].Partitions != 4 || fi.Leases {
				t.Fatalf("registry entry: %+v", fi)
			}
			return
		}
	}
	t.Fatalf("%s not registered", name)
}

// Two instances of an ordered partitioned function split its partitions
// between them (sticky: the first keeps its share when the second joins),
// and every key's events run once each, in stream order, across the
// handover.
func TestLeasedPartitionsSplitAndKeepOrder(t *testing.T) {
	rdb, family, name := fixture(t, "lease")
	const parts, keys, perKey = 8, 40, 30
	cfg := testConfig()
	cfg.Partitions = parts
	cfg.PartitionLease = 900 * time.Millisecond
	seen := newSeqLog()
	fn := runtime.Function{Name: name, Streams: []string{family}, Partitioned: true, OrderingKey: "entity_id",
		Handler: runtime.HandlerFunc(func(_ context.Context, m *runtime.Message) error {
			seen.add(m.Fields["entity_id"], m.Fields["seq"])
			return nil
		})}
	start(t, rdb, cfg, fn)
	fam, err := partition.Lookup(context.Background(), rdb, family)
	if err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return len(holders(t, rdb, name, parts)) == 1 }, "the first instance holds every partition")
	publishSeq := func(from, to int) {
		for s := from; s < to; s++ {
			for k := range keys {
				key := "k" + strconv.Itoa(k)
				xadd(t, rdb, fam.StreamOf(key), map[string]any{
					"type": "thing.changed", "event_id": key + "-" + strconv.Itoa(s), "data": "{}",
					"entity_id": key, "seq": strconv.Itoa(s),
				})
			}
		}
	}
	publishSeq(0, perKey/2)
	cfg2 := cfg
	cfg2.ConsumerName = uniq("consumer")
	second := start(t, rdb, cfg2, fn)
	publishSeq(perKey/2, perKey)
	redistest.Eventually(t, 20*time.Second, func() bool { return seen.total() == keys*perKey }, "every event handled")
	redistest.Eventually(t, 10*time.Second, func() bool {
		h := holders(t, rdb, name, parts)
		return len(h) == 2 && h[cfg.ConsumerName] == parts/2 && h[cfg2.ConsumerName] == parts/2
	}, "the partitions split evenly between the two instances")
	seen.requireOncePerKeyInOrder(t, keys, perKey)

	// A graceful stop releases the leases after its last commits: none
	// is left to expire, and the first instance takes them all back.
	if err := second.stop(); err != nil {
		t.Fatal(err)
	}
	if h := holders(t, rdb, name, parts); h[cfg2.ConsumerName] != 0 {
		t.Fatalf("after a graceful stop the stopped instance still holds %d leases", h[cfg2.ConsumerName])
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return holders(t, rdb, name, parts)[cfg.ConsumerName] == parts },
		"the remaining instance holds every partition")
}

// holders counts the partitions each consumer holds a lease of.
func holders(t *testing.T, rdb redis.UniversalClient, function string, parts int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for p := range parts {
		v, err := rdb.Get(context.Background(), partition.Lease(function, p)).Result()
		if err == redis.Nil {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		consumer, _, _ := strings.Cut(v, ":")
		out[consumer]++
	}
	return out
}

// seqLog records, per key, the sequence numbers handled, in the order
// they ran.
type seqLog struct {
	mu sync.Mutex
	m  map[string][]int
	n  int
}

func newSeqLog() *seqLog { return &seqLog{m: map[string][]int{}} }

func (l *seqLog) add(key, seq string) {
	n, _ := strconv.Atoi(seq)
	l.mu.Lock()
	l.m[key] = append(l.m[key], n)
	l.n++
	l.mu.Unlock()
}

func (l *seqLog) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func (l *seqLog) requireOncePerKeyInOrder(t *testing.T, keys, perKey int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range keys {
		key := "k" + strconv.Itoa(k)
		got := l.m[key]
		if len(got) != perKey {
			t.Fatalf("key %s: %d runs, want %d: %v", key, len(got), perKey, got)
		}
		for i, s := range got {
			if s != i {
				t.Fatalf("key %s ran out of order or twice: %v", key, got)
			}
		}
	}
}
