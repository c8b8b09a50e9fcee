package runtime_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// BenchmarkDrainPartitioned compares, in one run, one instance draining
// b.N events (256 bytes, 1,000 keys, concurrency 8, idempotency on) from
// one plain stream and from a family of 16 partitions, unordered (every
// partition through the consumer group) and ordered (leased: the instance
// holds all 16 leases). It reports events/s; the ratios between the
// sub-benchmarks are what docs/architecture.md quotes.
func BenchmarkDrainPartitioned(b *testing.B) {
	for _, tc := range []struct {
		name        string
		partitioned bool
		ordered     bool
	}{
		{"plain/unordered", false, false},
		{"partitions=16/unordered", true, false},
		{"plain/ordered", false, true},
		{"partitions=16/ordered-leased", true, true},
	} {
		b.Run(tc.name, func(b *testing.B) { benchDrainPartitioned(b, tc.partitioned, tc.ordered) })
	}
}

func benchDrainPartitioned(b *testing.B, partitioned, ordered bool) {
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 64})
	defer rdb.Close()
	ctx := context.Background()
	family, name := uniq("events:pbench"), uniq("pbench")
	fam := partition.Family{Name: family, Count: 1}
	if partitioned {
		fam.Count = 16
		if err := rdb.Set(ctx, partition.CountKey(family), 16, 0).Err(); err != nil {
			b.Fatal(err)
		}
	}
	streamOf := func(key string) string {
		if !partitioned {
			return family
		}
		return fam.StreamOf(key)
	}
	payload := `{"p":"` + strings.Repeat("x", 256-8) + `"}`
	for i := 0; i < b.N; i += 1000 {
		pipe := rdb.Pipeline()
		for j := i; j < min(i+1000, b.N); j++ {
			key := "k" + strconv.Itoa(j%1000)
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: streamOf(key), Values: []string{"type", "bench", "event_id", eventID(j), "data", payload, "entity_id", key}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
	var handled atomic.Int64
	all := make(chan struct{})
	cfg := runtime.DefaultConfig()
	cfg.ConsumerName = "bench"
	fn := runtime.Function{Name: name, Streams: []string{family}, Partitioned: partitioned,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			if handled.Add(1) == int64(b.N) {
				close(all)
			}
			return nil
		})}
	if ordered {
		fn.OrderingKey = "entity_id"
	}
	rt := runtime.New(cfg, rdb, zap.NewNop(), nil)
	if err := rt.Register(fn); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rt.Run(runCtx) }()
	select {
	case <-all:
	case <-time.After(5 * time.Minute):
		b.Fatalf("drained %d of %d in 5 minutes", handled.Load(), b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	<-done
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}
