package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// ctx is the context of the suite's Redis calls.
func ctx() context.Context { return context.Background() }

// settle waits until the shop is quiet (see quiet), failing with the last
// reason it was not after timeout.
func settle(t testing.TB, rdb *redis.Client, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := quiet(rdb)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled after %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// quiet returns nil when every consumer group of every events:* stream has
// been delivered every entry and has nothing pending, no function has a
// retry scheduled, pending or running in asynq, and no stream grew while
// this was checked; otherwise it says what is not done.
func quiet(rdb *redis.Client) error {
	before, err := runtime.Positions(ctx(), rdb, model.Streams()...)
	if err != nil {
		return err
	}
	for stream, pos := range before {
		if pos == "0-0" {
			continue
		}
		groups, err := rdb.XInfoGroups(ctx(), stream).Result()
		if err != nil {
			return fmt.Errorf("XINFO GROUPS %s: %w", stream, err)
		}
		for _, g := range groups {
			if runtime.CompareIDs(g.LastDeliveredID, pos) < 0 {
				return fmt.Errorf("group %s of %s delivered up to %s of %s", g.Name, stream, g.LastDeliveredID, pos)
			}
			if g.Pending > 0 {
				return fmt.Errorf("group %s of %s has %d pending", g.Name, stream, g.Pending)
			}
		}
	}
	if err := retriesIdle(rdb); err != nil {
		return err
	}
	after, err := runtime.Positions(ctx(), rdb, model.Streams()...)
	if err != nil {
		return err
	}
	for s, p := range before {
		if after[s] != p {
			return fmt.Errorf("%s grew meanwhile", s)
		}
	}
	return nil
}

// retriesIdle checks every function's asynq queue (asynq:{fn.<name>}:*):
// nothing scheduled, waiting for a retry, pending or active.
func retriesIdle(rdb *redis.Client) error {
	for _, fn := range reactions {
		prefix := "asynq:{" + runtime.RetryQueue(fn) + "}:"
		for _, zset := range []string{"scheduled", "retry"} {
			if n, err := rdb.ZCard(ctx(), prefix+zset).Result(); err != nil || n > 0 {
				return fmt.Errorf("%s%s: %d tasks %v", prefix, zset, n, err)
			}
		}
		for _, list := range []string{"pending", "active"} {
			if n, err := rdb.LLen(ctx(), prefix+list).Result(); err != nil || n > 0 {
				return fmt.Errorf("%s%s: %d tasks %v", prefix, list, n, err)
			}
		}
	}
	return nil
}

// pendingTotal is the sum of XPENDING over every group of every events:*
// stream.
func pendingTotal(t testing.TB, rdb *redis.Client) int64 {
	t.Helper()
	var n int64
	for _, s := range model.Streams() {
		groups, err := rdb.XInfoGroups(ctx(), s).Result()
		if err != nil {
			continue // no such stream
		}
		for _, g := range groups {
			p, err := rdb.XPending(ctx(), s, g.Name).Result()
			if err != nil {
				t.Fatalf("XPENDING %s %s: %v", s, g.Name, err)
			}
			n += p.Count
		}
	}
	return n
}

// deadLetters is XLEN dlq:<function> of every reaction.
func deadLetters(t testing.TB, rdb *redis.Client) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, fn := range reactions {
		n, err := rdb.XLen(ctx(), runtime.DeadLetterStream(fn)).Result()
		if err != nil {
			t.Fatalf("XLEN: %v", err)
		}
		if n > 0 {
			out[fn] = n
		}
	}
	return out
}

// registered checks that runtime.ListFunctions lists every reaction.
func registered(t testing.TB, rdb *redis.Client) {
	t.Helper()
	fns, err := runtime.ListFunctions(ctx(), rdb, model.RegistryKey)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range fns {
		have[f.Name] = true
	}
	for _, fn := range reactions {
		if !have[fn] {
			t.Errorf("runtime.ListFunctions lacks %s (has %v)", fn, have)
		}
	}
}

// groupPending is the sum of XPENDING of one group over every events:*
// stream: right after a kill, what the dead instance left behind.
func groupPending(t testing.TB, rdb *redis.Client, group string) int64 {
	t.Helper()
	var n int64
	for _, s := range model.Streams() {
		p, err := rdb.XPending(ctx(), s, group).Result()
		if err != nil {
			continue // no such stream or group
		}
		n += p.Count
	}
	return n
}
