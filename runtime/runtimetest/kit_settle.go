package runtimetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// DefaultSettleTimeout is how long Settle waits by default.
const DefaultSettleTimeout = 30 * time.Second

// Settle waits until every function of r has settled every entry of its
// streams, those published before the call and those the functions emit
// meanwhile: each one committed, dead-lettered, or retried until it is
// one of those (its retry is neither pending nor due). It polls, and fails
// the test after timeout (DefaultSettleTimeout if none is given).
func (r *Running) Settle(t testing.TB, timeout ...time.Duration) {
	t.Helper()
	d := DefaultSettleTimeout
	if len(timeout) > 0 {
		d = timeout[0]
	}
	if err := settle(t, r.Redis, r.fns, d); err != nil {
		t.Fatalf("runtimetest: not settled: %v", err)
	}
}

// settle is Settle as an error: until the streams' positions hold still
// over a round in which every function caught up and had no retry to run.
func settle(t testing.TB, rdb redis.UniversalClient, fns []runtime.Function, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	insp := asynq.NewInspectorFromRedisClient(rdb)
	var streams []string
	read := make(map[string][]string, len(fns))
	for _, fn := range fns {
		s, err := streamsRead(t.Context(), rdb, fn)
		if err != nil {
			return err
		}
		read[fn.Name] = s
		streams = append(streams, s...)
	}
	slices.Sort(streams)
	streams = slices.Compact(streams)
	for {
		before, err := runtime.Positions(t.Context(), rdb, streams...)
		if err != nil {
			return err
		}
		for _, fn := range fns {
			pos := make(map[string]string, len(read[fn.Name]))
			for _, s := range read[fn.Name] {
				pos[s] = before[s]
			}
			if err := runtime.WaitCaughtUp(t.Context(), rdb, fn.Name, pos, time.Until(deadline)); err != nil {
				return fmt.Errorf("function %s did not catch up with %v: %w", fn.Name, pos, err)
			}
			if err := waitRetries(insp, fn.Name, deadline); err != nil {
				return err
			}
		}
		after, err := runtime.Positions(t.Context(), rdb, streams...)
		if err != nil {
			return err
		}
		if maps.Equal(before, after) {
			return nil
		}
	}
}

// waitRetries polls until function's retry queue holds no task to run.
func waitRetries(insp *asynq.Inspector, function string, deadline time.Time) error {
	queue := runtime.RetryQueue(function)
	queues, err := insp.Queues()
	if err != nil {
		return fmt.Errorf("retry queues: %w", err)
	}
	if !slices.Contains(queues, queue) {
		return nil // never retried anything
	}
	for {
		info, err := insp.GetQueueInfo(queue)
		switch {
		case err != nil:
			return fmt.Errorf("retries of %s: %w", function, err)
		case info.Pending+info.Active+info.Scheduled+info.Retry == 0:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("function %s still has %d retries to run", function, info.Pending+info.Active+info.Scheduled+info.Retry)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// streamsRead are the streams fn reads: its Streams, or, for a
// Partitioned function, every partition of its families (none of a family
// not created yet).
func streamsRead(ctx context.Context, rdb redis.UniversalClient, fn runtime.Function) ([]string, error) {
	if !fn.Partitioned {
		return fn.Streams, nil
	}
	return partition.Streams(ctx, rdb, fn.Streams...)
}
