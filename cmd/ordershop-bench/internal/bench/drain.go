package bench

import (
	"context"
	"fmt"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime"
)

// RuntimeSystem names the runtime's results.
const RuntimeSystem = "runtime"

// DrainRuntime pre-loads o.Events events, then runs the real runtime in its
// default configuration (idempotency on, retries and dead letters armed)
// with a no-op handler (or one that emits an event per input), and times
// it from start until every event is handled and acked.
func DrainRuntime(ctx context.Context, rdb redis.UniversalClient, o Options) (DrainResult, error) {
	o.defaults()
	stream, fn := name(), "bench-"+name()[6:]
	out := stream + ":out"
	defer cleanup(rdb, []string{stream, out, runtime.DeadLetterStream(fn)}, runtime.DoneKeyPrefix(fn, stream)+"*", "asynq:{"+runtime.RetryQueue(fn)+"}*")
	defer rdb.HDel(context.Background(), runtime.DefaultRegistryKey, fn)
	if err := preload(ctx, rdb, stream, o.Events, o.Payload); err != nil {
		return DrainResult{}, err
	}
	var handled atomic.Int64
	all := make(chan struct{})
	cfg := runtime.DefaultConfig()
	cfg.Concurrency = o.Concurrency
	cfg.ConsumerName = "bench"
	rt := runtime.New(cfg, rdb, zap.NewNop(), nil)
	err := rt.Register(runtime.Function{Name: fn, Streams: []string{stream},
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			if o.Emit {
				m.Emit(out, map[string]string{"type": "bench.done", "event_id": m.EventID, "data": "{}"})
			}
			if handled.Add(1) == int64(o.Events) {
				close(all)
			}
			return nil
		})})
	if err != nil {
		return DrainResult{}, err
	}
	meter, err := startCPU(ctx, rdb)
	if err != nil {
		return DrainResult{}, err
	}
	if o.profile != nil {
		if err := pprof.StartCPUProfile(o.profile); err != nil {
			return DrainResult{}, fmt.Errorf("CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile() // the drain failed before its end
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- rt.Run(runCtx) }()
	select {
	case <-all:
	case <-time.After(o.Timeout):
		return DrainResult{}, fmt.Errorf("runtime drained %d of %d events in %s", handled.Load(), o.Events, o.Timeout)
	}
	if err := waitAcked(ctx, rdb, stream, fn, o.Timeout); err != nil {
		return DrainResult{}, err
	}
	elapsed, cpu, err := meter.stop(ctx)
	if o.profile != nil {
		pprof.StopCPUProfile()
	}
	stop()
	<-done
	if err != nil {
		return DrainResult{}, err
	}
	if o.inspect != nil {
		o.inspect(stream, fn)
	}
	return newResult(RuntimeSystem, o, elapsed, cpu), nil
}

// waitAcked polls until group has nothing pending on stream.
func waitAcked(ctx context.Context, rdb redis.UniversalClient, stream, group string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		p, err := rdb.XPending(ctx, stream, group).Result()
		if err == nil && p.Count == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("entries of %s still pending after %s", stream, timeout)
		}
		time.Sleep(200 * time.Microsecond)
	}
}
