package shopkit

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// Settle waits until the shop is quiet (see Quiet), failing the test with
// the last reason it was not after timeout.
func Settle(t testing.TB, rdb redis.UniversalClient, timeout time.Duration, skip ...string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := Quiet(context.Background(), rdb, skip...)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled after %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Quiet returns nil when every consumer group of every stream of the shop
// (every partition of every family model.Streams names: Streams) but
// those named in skip has been delivered every entry
// and has nothing pending, no function but those skipped has a retry
// scheduled, pending or running in asynq, and no stream grew while this
// was checked; otherwise it says what is not done.
func Quiet(ctx context.Context, rdb redis.UniversalClient, skip ...string) error {
	streams, err := Streams(ctx, rdb)
	if err != nil {
		return err
	}
	before, err := runtime.Positions(ctx, rdb, streams...)
	if err != nil {
		return fmt.Errorf("stream positions: %w", err)
	}
	for stream, pos := range before {
		if pos == "0-0" {
			continue
		}
		groups, err := rdb.XInfoGroups(ctx, stream).Result()
		if err != nil {
			return fmt.Errorf("XINFO GROUPS %s: %w", stream, err)
		}
		for _, g := range groups {
			if slices.Contains(skip, g.Name) {
				continue
			}
			if runtime.CompareIDs(g.LastDeliveredID, pos) < 0 {
				return fmt.Errorf("group %s of %s delivered up to %s of %s", g.Name, stream, g.LastDeliveredID, pos)
			}
			if g.Pending > 0 {
				return fmt.Errorf("group %s of %s has %d pending", g.Name, stream, g.Pending)
			}
		}
	}
	for _, fn := range model.Functions() {
		if !slices.Contains(skip, fn) {
			if err := retriesIdle(ctx, rdb, fn); err != nil {
				return err
			}
		}
	}
	after, err := runtime.Positions(ctx, rdb, streams...)
	if err != nil {
		return fmt.Errorf("stream positions: %w", err)
	}
	for s, p := range before {
		if after[s] != p {
			return fmt.Errorf("%s grew meanwhile", s)
		}
	}
	return nil
}

// retriesIdle checks function fn's asynq queue (asynq:{fn.<name>}:*):
// nothing scheduled, waiting for a retry, pending or active.
func retriesIdle(ctx context.Context, rdb redis.UniversalClient, fn string) error {
	prefix := "asynq:{" + runtime.RetryQueue(fn) + "}:"
	for _, zset := range []string{"scheduled", "retry"} {
		if n, err := rdb.ZCard(ctx, prefix+zset).Result(); err != nil || n > 0 {
			return fmt.Errorf("%s%s: %d tasks %v", prefix, zset, n, err)
		}
	}
	for _, list := range []string{"pending", "active"} {
		if n, err := rdb.LLen(ctx, prefix+list).Result(); err != nil || n > 0 {
			return fmt.Errorf("%s%s: %d tasks %v", prefix, list, n, err)
		}
	}
	return nil
}
