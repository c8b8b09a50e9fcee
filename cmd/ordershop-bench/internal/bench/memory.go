package bench

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime"
)

// MemoryResult is the Redis memory an idempotency record costs.
type MemoryResult struct {
	Records        int     `json:"records"`
	BytesPerRecord float64 `json:"bytes_per_record"`
	// UsedMemoryDelta is the growth of INFO used_memory over the run, for
	// comparison (it also counts buffers and caches).
	UsedMemoryDelta int64 `json:"used_memory_delta"`
}

// IdempotencyMemory drains n events (ids shaped like the shop's: 36-char
// UUIDs) through the runtime and reports the Redis memory of the
// idempotency records (MEMORY USAGE of the record hashes, every element
// counted) per record.
func IdempotencyMemory(ctx context.Context, rdb redis.UniversalClient, n int) (MemoryResult, error) {
	stream, fn := name(), "bench-"+name()[6:]
	defer cleanup(rdb, []string{stream}, runtime.DoneKeyPrefix(fn, stream)+"*", "asynq:{"+runtime.RetryQueue(fn)+"}*")
	defer rdb.HDel(context.Background(), runtime.DefaultRegistryKey, fn)
	before, err := usedMemory(ctx, rdb)
	if err != nil {
		return MemoryResult{}, err
	}
	cfg := runtime.DefaultConfig()
	cfg.ConsumerName = "bench"
	rt := runtime.New(cfg, rdb, zap.NewNop(), nil)
	if err := rt.Register(runtime.Function{Name: fn, Streams: []string{stream},
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error { return nil })}); err != nil {
		return MemoryResult{}, err
	}
	for i := 0; i < n; i += 1000 {
		pipe := rdb.Pipeline()
		for j := i; j < min(i+1000, n); j++ {
			id := fmt.Sprintf("%08x-0000-4000-8000-%012x", j, j)
			pipe.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", id, "data", "{}"}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return MemoryResult{}, err
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rt.Run(runCtx) }()
	err = waitAcked(ctx, rdb, stream, fn, 2*time.Minute)
	if err == nil {
		err = waitLag(ctx, rdb, stream, fn)
	}
	stop()
	<-done
	if err != nil {
		return MemoryResult{}, err
	}
	var bytes, records int64
	keys, err := keysMatching(ctx, rdb, runtime.DoneKeyPrefix(fn, stream)+"*")
	if err != nil {
		return MemoryResult{}, err
	}
	for _, k := range keys {
		bytes += rdb.MemoryUsage(ctx, k, 0).Val()
		records += rdb.HLen(ctx, k).Val()
	}
	if records != int64(n) {
		return MemoryResult{}, fmt.Errorf("%d idempotency records for %d events", records, n)
	}
	rdb.Del(ctx, stream)
	after, err := usedMemory(ctx, rdb)
	if err != nil {
		return MemoryResult{}, err
	}
	return MemoryResult{Records: n, UsedMemoryDelta: after - before, BytesPerRecord: float64(bytes) / float64(n)}, nil
}

// waitLag polls until group has read every entry of stream.
func waitLag(ctx context.Context, rdb redis.UniversalClient, stream, group string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		gs, err := rdb.XInfoGroups(ctx, stream).Result()
		if err == nil && len(gs) == 1 && gs[0].Lag == 0 && gs[0].Pending == 0 {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return fmt.Errorf("group %s did not catch up with %s", group, stream)
}

func usedMemory(ctx context.Context, rdb redis.UniversalClient) (int64, error) {
	rdb.Do(ctx, "MEMORY", "PURGE")
	info, err := rdb.InfoMap(ctx, "memory").Result()
	if err != nil {
		return 0, fmt.Errorf("INFO memory: %w", err)
	}
	return strconv.ParseInt(info["Memory"]["used_memory"], 10, 64)
}
