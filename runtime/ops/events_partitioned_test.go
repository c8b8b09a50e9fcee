package ops_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
	"github.com/ordershop/functions/runtime/partition"
)

// On a partitioned family, an entity's history is read from its
// partition, the latest events of the family and its tail cover every
// partition, and a partition stream names its family's aggregate.
func TestEventsOfAPartitionedFamily(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	agg := opstest.Unique("porder")
	fam, err := partition.Open(ctx, rdb, "events:"+agg, 4)
	if err != nil {
		t.Fatal(err)
	}
	add := func(entity, typ string) {
		t.Helper()
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: fam.StreamOf(entity), Values: map[string]any{
			"type": typ, "event_id": entity + "-" + typ, "data": "{}", opstest.EntityField: entity,
		}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	for _, k := range keys {
		add(k, "created")
	}
	add("a", "updated")
	o := opstest.Ops(rdb)

	h, err := o.History(ctx, agg, "a")
	if err != nil || len(h) != 2 || h[0].Type != "created" || h[1].Type != "updated" || h[0].Stream != fam.StreamOf("a") {
		t.Fatalf("history of a: %+v, %v", h, err)
	}
	if got := o.Aggregate(fam.Stream(3)); got != agg {
		t.Fatalf("Aggregate(%s) = %q, want %q", fam.Stream(3), got, agg)
	}
	latest, err := o.Latest(ctx, ops.EventFilter{Stream: fam.Name, Type: "created"}, 100, 0)
	if err != nil || len(latest.Events) != len(keys) || len(latest.Streams) != 4 {
		t.Fatalf("latest of the family: %d events over %v, %v; want %d over its 4 partitions", len(latest.Events), latest.Streams, err, len(keys))
	}

	tailCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	seen := map[string]bool{}
	go func() {
		_ = o.Tail(tailCtx, agg, true, func(e ops.Event) error {
			mu.Lock()
			seen[e.EventID] = true
			mu.Unlock()
			return nil
		})
	}()
	add("z", "created")
	redistest.Eventually(t, 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == len(keys)+2
	}, "the tail saw every event of every partition")
}
