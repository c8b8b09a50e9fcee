package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestReferenceHandlesEveryEventOnceAndAcksAll(t *testing.T) {
	rdb := kit.Redis.Client(t)
	ctx := context.Background()
	const events = 5000
	for _, c := range []int{1, 8} {
		t.Run(fmt.Sprintf("concurrency %d", c), func(t *testing.T) {
			var (
				mu   sync.Mutex
				seen = map[string]int{}
			)
			inspected := false
			o := Options{Events: events, Concurrency: c, Payload: 256, Timeout: time.Minute,
				seen: func(id string) { mu.Lock(); seen[id]++; mu.Unlock() },
				inspect: func(stream, group string) {
					inspected = true
					if p, err := rdb.XPending(ctx, stream, group).Result(); err != nil || p.Count != 0 {
						t.Errorf("XPENDING %s %s: %+v (%v), want nothing pending", stream, group, p, err)
					}
					groups, err := rdb.XInfoGroups(ctx, stream).Result()
					if err != nil || len(groups) != 1 || groups[0].Lag != 0 || groups[0].EntriesRead != events {
						t.Errorf("XINFO GROUPS %s: %+v (%v), want one group, lag 0, %d entries read", stream, groups, err, events)
					}
					consumers, err := rdb.XInfoConsumers(ctx, stream, group).Result()
					if err != nil || len(consumers) != c {
						t.Errorf("XINFO CONSUMERS: %+v (%v), want %d consumers, one per goroutine", consumers, err, c)
					}
				}}
			r, err := DrainReference(ctx, rdb, o)
			if err != nil {
				t.Fatal(err)
			}
			if !inspected {
				t.Fatal("the drain did not inspect its stream")
			}
			if r.System != ReferenceSystem || r.Events != events || r.Concurrency != c || r.ProcessCPUPer100k <= 0 || r.RedisCPUPer100k <= 0 {
				t.Fatalf("result %+v", r)
			}
			if len(seen) != events {
				t.Fatalf("handled %d distinct events, want %d", len(seen), events)
			}
			for i := range events {
				if n := seen[fmt.Sprintf("ev-%d", i)]; n != 1 {
					t.Fatalf("ev-%d handled %d times, want once", i, n)
				}
			}
		})
	}
}
