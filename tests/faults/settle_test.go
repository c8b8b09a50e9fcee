package faults

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/runtime"
)

// ctx is the context of the suite's Redis calls.
func ctx() context.Context { return context.Background() }

// pendingTotal is the sum of XPENDING over every group of every partition
// of every events:* family.
func pendingTotal(t testing.TB, rdb redis.UniversalClient) int64 {
	t.Helper()
	var n int64
	for _, s := range logStreams(t, rdb) {
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

// logStreams is every partition of every events:* family (shopkit.Streams).
func logStreams(t testing.TB, rdb redis.UniversalClient) []string {
	t.Helper()
	streams, err := shopkit.Streams(ctx(), rdb)
	if err != nil {
		t.Fatal(err)
	}
	return streams
}

// deadLetters is XLEN dlq:<function> of every reaction.
func deadLetters(t testing.TB, rdb redis.UniversalClient) map[string]int64 {
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
func registered(t testing.TB, rdb redis.UniversalClient) {
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

// groupPending is the sum of XPENDING of one group over every partition
// of every events:* family: right after a kill, what the dead instance
// left behind.
func groupPending(t testing.TB, rdb redis.UniversalClient, group string) int64 {
	t.Helper()
	var n int64
	for _, s := range logStreams(t, rdb) {
		p, err := rdb.XPending(ctx(), s, group).Result()
		if err != nil {
			continue // no such stream or group
		}
		n += p.Count
	}
	return n
}
