package bench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// DrainAsynq pre-loads o.Events asynq tasks of o.Payload bytes on a queue of
// its own, then times an asynq server (default configuration, o.Concurrency
// workers, no-op handler) until every task is processed.
func DrainAsynq(ctx context.Context, rdb redis.UniversalClient, o Options) (DrainResult, error) {
	o.defaults()
	queue := "bench-" + name()[6:]
	defer cleanup(rdb, nil, "asynq:{"+queue+"}*")
	defer rdb.SRem(context.Background(), "asynq:queues", queue)
	if err := enqueueTasks(ctx, rdb, queue, o); err != nil {
		return DrainResult{}, err
	}
	var handled atomic.Int64
	all := make(chan struct{})
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency: o.Concurrency,
		Queues:      map[string]int{queue: 1},
		LogLevel:    asynq.ErrorLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc("bench", func(ctx context.Context, t *asynq.Task) error {
		if handled.Add(1) == int64(o.Events) {
			close(all)
		}
		return nil
	})
	meter, err := startCPU(ctx, rdb)
	if err != nil {
		return DrainResult{}, err
	}
	if err := srv.Start(mux); err != nil {
		return DrainResult{}, fmt.Errorf("start asynq: %w", err)
	}
	defer srv.Shutdown()
	select {
	case <-all:
	case <-time.After(o.Timeout):
		return DrainResult{}, fmt.Errorf("asynq drained %d of %d tasks in %s", handled.Load(), o.Events, o.Timeout)
	}
	elapsed, cpu, err := meter.stop(ctx)
	if err != nil {
		return DrainResult{}, err
	}
	return newResult("asynq", o, elapsed, cpu), nil
}

// enqueueTasks enqueues o.Events tasks with 8 concurrent clients.
func enqueueTasks(ctx context.Context, rdb redis.UniversalClient, queue string, o Options) error {
	c := asynq.NewClientFromRedisClient(rdb)
	defer c.Close()
	body := []byte(payload(o.Payload))
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(o.Events) {
					return
				}
				_, err := c.EnqueueContext(ctx, asynq.NewTask("bench", body), asynq.Queue(queue),
					asynq.TaskID("t"+strconv.FormatInt(i, 10)), asynq.Retention(0))
				if err != nil {
					errc <- fmt.Errorf("enqueue: %w", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	return <-errc
}
