package ops_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

func TestHistoryReturnsOneEntitysEventsInOrder(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	agg := opstest.Unique("order")
	stream := "events:" + agg
	opstest.Publish(t, rdb, stream, "order.created", "e1", "o1", map[string]int{"qty": 1})
	opstest.Publish(t, rdb, stream, "order.created", "e2", "o2", map[string]int{"qty": 2})
	opstest.Publish(t, rdb, stream, "order.updated", "e3", "o1", map[string]int{"qty": 3})

	got, err := opstest.Ops(rdb).History(ctx, agg, "o1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].EventID != "e1" || got[1].EventID != "e3" || string(got[1].Data) != `{"qty":3}` || got[1].Stream != stream {
		t.Fatalf("history %+v", got)
	}
	if _, err := opstest.Ops(rdb).History(ctx, stream, "o9"); !errors.Is(err, ops.ErrNotFound) {
		t.Fatalf("unknown entity: %v, want ErrNotFound", err)
	}
	if _, err := opstest.Ops(rdb).History(ctx, "nothing-here", "o1"); !errors.Is(err, ops.ErrNotFound) {
		t.Fatalf("unknown aggregate: %v, want ErrNotFound", err)
	}
}

func TestTailFollowsNewEventsOnly(t *testing.T) {
	rdb := srv.Client(t)
	agg := opstest.Unique("customer")
	stream := "events:" + agg
	opstest.Publish(t, rdb, stream, "customer.created", "old", "c0", map[string]string{})

	var mu sync.Mutex
	var seen []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- opstest.Ops(rdb).Tail(ctx, agg, false, func(e ops.Event) error {
			mu.Lock()
			seen = append(seen, e.EventID)
			mu.Unlock()
			return nil
		})
	}()
	// Tail starts at an unknown moment: publish until one arrives.
	redistest.Eventually(t, 10*time.Second, func() bool {
		opstest.Publish(t, rdb, stream, "customer.updated", "new", "c1", map[string]string{})
		mu.Lock()
		defer mu.Unlock()
		return len(seen) > 0
	}, "tail sees a new event")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Tail returned %v after cancel, want nil", err)
	}
	for _, id := range seen {
		if id != "new" {
			t.Fatalf("tail saw %q, which was there before it started", id)
		}
	}
}

func TestTailFromStart(t *testing.T) {
	rdb := srv.Client(t)
	agg := opstest.Unique("product")
	for _, id := range []string{"a", "b", "c"} {
		opstest.Publish(t, rdb, "events:"+agg, "product.created", id, id, map[string]string{})
	}
	var seen []string
	stop := errors.New("enough")
	err := opstest.Ops(rdb).Tail(context.Background(), agg, true, func(e ops.Event) error {
		seen = append(seen, e.EventID)
		if len(seen) == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(seen) != 3 || seen[0] != "a" || seen[2] != "c" {
		t.Fatalf("tail from start: %v %v", seen, err)
	}
}
