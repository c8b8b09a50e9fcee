package runtime_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime"
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
	for deadline := time.Now().Add(time.Minute); ; {
		p, err := rdb.XPending(ctx, stream, name).Result()
		if err == nil && p.Count == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("entries still pending a minute after the last handler ran")
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	stop()
	<-done
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
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
