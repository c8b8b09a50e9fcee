package runtime_test

import (
	"context"
	"fmt"
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

// BenchmarkDrain pre-loads b.N events of 256 bytes, then times the runtime
// (default configuration: idempotency on, retries and dead letters armed)
// draining them with a no-op handler until every event is handled and
// acked. It reports events/s.
func BenchmarkDrain(b *testing.B) {
	for _, c := range []int{1, 8} {
		for _, emit := range []bool{false, true} {
			b.Run(fmt.Sprintf("concurrency=%d/emit=%v", c, emit), func(b *testing.B) { benchDrain(b, c, emit) })
		}
	}
}

func benchDrain(b *testing.B, concurrency int, emit bool) {
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 64})
	defer rdb.Close()
	ctx := context.Background()
	stream, name := uniq("events:bench"), uniq("bench")
	out := stream + ":out"
	defer rdb.Del(ctx, stream, out)
	preload(b, rdb, stream, b.N)
	var handled atomic.Int64
	all := make(chan struct{})
	cfg := runtime.DefaultConfig()
	cfg.Concurrency = concurrency
	cfg.ConsumerName = "bench"
	rt := runtime.New(cfg, rdb, zap.NewNop(), nil)
	err := rt.Register(runtime.Function{Name: name, Streams: []string{stream},
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			if emit {
				m.Emit(out, map[string]string{"type": "bench.done", "event_id": m.EventID, "data": "{}"})
			}
			if handled.Add(1) == int64(b.N) {
				close(all)
			}
			return nil
		})})
	if err != nil {
		b.Fatal(err)
	}
	elapsed := drainTimed(b, rt, all, &handled, func() bool {
		p, err := rdb.XPending(ctx, stream, name).Result()
		return err == nil && p.Count == 0
	})
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// drainTimed runs rt from now until all is closed (every event handled)
// and settled holds (nothing left pending), and returns how long that
// took, with b's timer running over exactly that span.
func drainTimed(b *testing.B, rt *runtime.Runtime, all <-chan struct{}, handled *atomic.Int64, settled func() bool) time.Duration {
	b.ResetTimer()
	start := time.Now()
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(runCtx) }()
	select {
	case <-all:
	case <-time.After(5 * time.Minute):
		b.Fatalf("drained %d of %d in 5 minutes", handled.Load(), b.N)
	}
	for deadline := time.Now().Add(time.Minute); !settled(); {
		if time.Now().After(deadline) {
			b.Fatal("entries still pending a minute after the last handler ran")
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	<-done
	return elapsed
}

// BenchmarkBaselineRawLoop is the reference the runtime is measured
// against: a plain go-redis loop, XREADGROUP COUNT 100 and one XACK per
// batch, no-op handler, on the same pre-loaded events.
func BenchmarkBaselineRawLoop(b *testing.B) {
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 64})
	defer rdb.Close()
	ctx := context.Background()
	stream, group := uniq("events:raw"), "raw"
	defer rdb.Del(ctx, stream)
	preload(b, rdb, stream, b.N)
	if err := rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	handled := 0
	for handled < b.N {
		res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{stream, ">"}, Count: 100, Block: time.Second}).Result()
		if err != nil {
			b.Fatal(err)
		}
		ids := make([]string, 0, 100)
		for _, m := range res[0].Messages {
			ids = append(ids, m.ID)
		}
		if err := rdb.XAck(ctx, stream, group, ids...).Err(); err != nil {
			b.Fatal(err)
		}
		handled += len(ids)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// preload XADDs n events of 256 bytes to stream.
func preload(b *testing.B, rdb *redis.Client, stream string, n int) {
	ctx := context.Background()
	payload := `{"p":"` + strings.Repeat("x", 256-8) + `"}`
	const chunk = 1000
	for i := 0; i < n; i += chunk {
		pipe := rdb.Pipeline()
		for j := i; j < min(i+chunk, n); j++ {
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "bench", "event_id", eventID(j), "data", payload}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

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
	elapsed := drainTimed(b, rt, all, &handled, func() bool { return true })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}
