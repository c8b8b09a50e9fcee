package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReferenceSystem names the reference loop's results.
const ReferenceSystem = "reference loop"

// DrainReference is the reference the runtime is measured against, the
// best loop a user would write by hand: o.Concurrency goroutines, each its
// own consumer of one group, looping
//
//	XREADGROUP GROUP g <consumer> COUNT 100 BLOCK 100 STREAMS s >
//
// running the (no-op) handler inline per entry, then one XACK of the
// batch's ids. At concurrency 1 it is the single-reader loop. It
// pre-loads o.Events events of o.Payload bytes (pipelined XADD), then
// times the loop from its start until every event is acked.
func DrainReference(ctx context.Context, rdb redis.UniversalClient, o Options) (DrainResult, error) {
	o.defaults()
	stream, group := name(), "g"
	defer cleanup(rdb, []string{stream})
	if err := preload(ctx, rdb, stream, o.Events, o.Payload); err != nil {
		return DrainResult{}, err
	}
	if err := rdb.XGroupCreate(ctx, stream, group, "0").Err(); err != nil {
		return DrainResult{}, fmt.Errorf("create group: %w", err)
	}
	handle := func(m redis.XMessage) {
		if o.seen != nil {
			id, _ := m.Values["event_id"].(string)
			o.seen(id)
		}
	}
	meter, err := startCPU(ctx, rdb)
	if err != nil {
		return DrainResult{}, err
	}
	runCtx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var (
		acked    atomic.Int64
		all      = make(chan struct{})
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) { errOnce.Do(func() { firstErr = err; cancel() }) }
	for i := range o.Concurrency {
		wg.Add(1)
		go func(consumer string) {
			defer wg.Done()
			ids := make([]string, 0, 100)
			for acked.Load() < int64(o.Events) && runCtx.Err() == nil {
				res, err := rdb.XReadGroup(runCtx, &redis.XReadGroupArgs{Group: group, Consumer: consumer,
					Streams: []string{stream, ">"}, Count: 100, Block: 100 * time.Millisecond}).Result()
				if err == redis.Nil {
					continue
				}
				if runCtx.Err() != nil {
					return // done, or out of time
				}
				if err != nil {
					fail(fmt.Errorf("XREADGROUP: %w", err))
					return
				}
				ids = ids[:0]
				for _, m := range res[0].Messages {
					handle(m)
					ids = append(ids, m.ID)
				}
				if err := rdb.XAck(runCtx, stream, group, ids...).Err(); err != nil {
					fail(fmt.Errorf("XACK: %w", err))
					return
				}
				if acked.Add(int64(len(ids))) == int64(o.Events) {
					close(all)
				}
			}
		}("c" + strconv.Itoa(i))
	}
	var (
		elapsed time.Duration
		cpu     cpuSample
		stopErr error
	)
	select {
	case <-all:
		elapsed, cpu, stopErr = meter.stop(ctx)
	case <-runCtx.Done():
	}
	cancel()
	wg.Wait() // the others return from their BLOCK at once
	switch {
	case firstErr != nil:
		return DrainResult{}, firstErr
	case stopErr != nil:
		return DrainResult{}, stopErr
	case elapsed == 0:
		return DrainResult{}, fmt.Errorf("reference loop acked %d of %d events in %s", acked.Load(), o.Events, o.Timeout)
	}
	if o.inspect != nil {
		o.inspect(stream, group)
	}
	return newResult(ReferenceSystem, o, elapsed, cpu), nil
}
