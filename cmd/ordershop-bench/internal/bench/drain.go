package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime"
)

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
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
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
	elapsed := time.Since(start)
	stop()
	<-done
	return newResult("runtime", o, elapsed), nil
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

// DrainRaw is the reference: a plain go-redis loop, XREADGROUP COUNT 100
// and one XACK per batch, with o.Concurrency goroutines running the no-op
// handler over each batch. With pipelinedAck the XACK of a batch is sent
// in the same round trip as the next XREADGROUP.
func DrainRaw(ctx context.Context, rdb redis.UniversalClient, o Options, pipelinedAck bool) (DrainResult, error) {
	o.defaults()
	stream, group := name(), "raw"
	defer cleanup(rdb, []string{stream})
	if err := preload(ctx, rdb, stream, o.Events, o.Payload); err != nil {
		return DrainResult{}, err
	}
	if err := rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err(); err != nil {
		return DrainResult{}, fmt.Errorf("create group: %w", err)
	}
	handle := func(m redis.XMessage) { _ = m }
	start := time.Now()
	deadline := start.Add(o.Timeout)
	handled := 0
	var toAck []string
	for handled < o.Events {
		if time.Now().After(deadline) {
			return DrainResult{}, fmt.Errorf("raw loop drained %d of %d in %s", handled, o.Events, o.Timeout)
		}
		var msgs []redis.XMessage
		if pipelinedAck && len(toAck) > 0 {
			pipe := rdb.Pipeline()
			pipe.XAck(ctx, stream, group, toAck...)
			read := pipe.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{stream, ">"}, Count: 100, Block: time.Second})
			if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
				return DrainResult{}, err
			}
			if res, err := read.Result(); err == nil {
				msgs = res[0].Messages
			}
		} else {
			res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{stream, ">"}, Count: 100, Block: time.Second}).Result()
			if err != nil && err != redis.Nil {
				return DrainResult{}, err
			}
			if err == nil {
				msgs = res[0].Messages
			}
		}
		runBatch(msgs, o.Concurrency, handle)
		toAck = toAck[:0]
		for _, m := range msgs {
			toAck = append(toAck, m.ID)
		}
		if !pipelinedAck && len(toAck) > 0 {
			if err := rdb.XAck(ctx, stream, group, toAck...).Err(); err != nil {
				return DrainResult{}, err
			}
		}
		handled += len(msgs)
	}
	if pipelinedAck && len(toAck) > 0 {
		if err := rdb.XAck(ctx, stream, group, toAck...).Err(); err != nil {
			return DrainResult{}, err
		}
	}
	system := "raw go-redis loop"
	if pipelinedAck {
		system = "raw loop, pipelined ack"
	}
	return newResult(system, o, time.Since(start)), nil
}

// runBatch runs handle over msgs on up to c goroutines.
func runBatch(msgs []redis.XMessage, c int, handle func(redis.XMessage)) {
	if c <= 1 || len(msgs) < 2 {
		for _, m := range msgs {
			handle(m)
		}
		return
	}
	var next atomic.Int64
	done := make(chan struct{}, c)
	for range c {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(msgs) {
					done <- struct{}{}
					return
				}
				handle(msgs[i])
			}
		}()
	}
	for range c {
		<-done
	}
}
