package ops_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
	"github.com/ordershop/functions/runtime/partition"
)

func TestListAndShowReportWhatWasSeeded(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("billing")
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	seed := []opstest.DeadLetter{
		{Stream: "events:order", EntryID: "1-1", Type: "order.created", EventID: "e1", Data: `{"id":"o1","total":3}`, Error: "payment API: 503", Attempts: 5, Failed: t0},
		{Stream: "events:order", EntryID: "2-1", Type: "order.created", EventID: "e2", Data: `{"id":"o2"}`, Error: "payment API: 503", Attempts: 5, Failed: t0.Add(time.Minute)},
		{Stream: "events:order", EntryID: "3-1", Type: "order.updated", EventID: "e3", Data: `not json`, Error: "bad total", Attempts: 1, Failed: t0.Add(2 * time.Minute)},
	}
	var ids []string
	for _, dl := range seed {
		ids = append(ids, opstest.Seed(t, rdb, fn, dl))
	}
	o := opstest.Ops(rdb)

	list, err := o.ListDLQ(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got *ops.DLQSummary
	for i := range list {
		if list[i].Function == fn {
			got = &list[i]
		}
	}
	if got == nil {
		t.Fatalf("ListDLQ does not list %s: %+v", fn, list)
	}
	want := ops.DLQSummary{
		Function: fn, Stream: "dlq:" + fn, Count: 3, Oldest: &t0, Newest: ptr(t0.Add(2 * time.Minute)), Sampled: 3,
		TopErrors: []ops.ErrorCount{{Error: "payment API: 503", Count: 2}, {Error: "bad total", Count: 1}},
	}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}

	t.Run("show", func(t *testing.T) {
		page, err := o.ShowDLQ(ctx, fn, ops.ShowOptions{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 3 || len(page.DeadLetters) != 2 {
			t.Fatalf("total %d, %d shown; want 3 and 2", page.Total, len(page.DeadLetters))
		}
		first := page.DeadLetters[0]
		wantFirst := ops.DeadLetter{
			ID: ids[0], Function: fn, Stream: "events:order", EntryID: "1-1", Type: "order.created", EventID: "e1",
			Error: "payment API: 503", Attempts: 5, FirstFailure: t0, LastFailure: t0,
			Data: []byte(`{"id":"o1","total":3}`), Other: map[string]string{},
			Fields: map[string]string{"type": "order.created", "event_id": "e1", "data": `{"id":"o1","total":3}`},
		}
		if diff := cmp.Diff(wantFirst, first); diff != "" {
			t.Errorf("first dead letter (-want +got):\n%s", diff)
		}
	})
	t.Run("show by id keeps raw data that is not JSON", func(t *testing.T) {
		page, err := o.ShowDLQ(ctx, fn, ops.ShowOptions{IDs: []string{ids[2]}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.DeadLetters) != 1 || page.DeadLetters[0].RawData != "not json" || page.DeadLetters[0].Data != nil {
			t.Fatalf("got %+v", page.DeadLetters)
		}
	})
	t.Run("show of a missing id is not found", func(t *testing.T) {
		_, err := o.ShowDLQ(ctx, fn, ops.ShowOptions{IDs: []string{"1-0"}})
		if !errors.Is(err, ops.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("unknown function is not found", func(t *testing.T) {
		_, err := o.ShowDLQ(ctx, "no-such-function", ops.ShowOptions{})
		if !errors.Is(err, ops.ErrNotFound) {
			t.Fatalf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestRuntimeDeadLettersAreListedWithTheirEvent(t *testing.T) {
	rdb := srv.Client(t)
	fn, stream := opstest.Unique("crm"), opstest.Unique("events:customer")
	opstest.StartBroken(t, rdb, fn, stream)
	entry, _ := opstest.FailOne(t, rdb, fn, stream, "customer.created", "c-ev-1", "c1", map[string]string{"name": "Ada"})

	page, err := opstest.Ops(rdb).ShowDLQ(t.Context(), fn, ops.ShowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dl := page.DeadLetters[0]
	if dl.Stream != stream || dl.EntryID != entry || dl.Type != "customer.created" || dl.EventID != "c-ev-1" ||
		dl.EntityID != "c1" || dl.Attempts != 2 || dl.Error != "downstream unavailable" || string(dl.Data) != `{"name":"Ada"}` {
		t.Fatalf("dead letter %+v", dl)
	}
}

func ptr[T any](v T) *T { return &v }

func TestErrorClass(t *testing.T) {
	cases := []struct{ in, want string }{
		{"send mail 40da7469-cb20-571a-aced-d24f8812d93c to ada@example.com: connection refused", "send mail <uuid> to <email>: connection refused"},
		{"order 1712345678901-3 not billed", "order <entry-id> not billed"},
		{"token 0123456789abcdef0123 rejected", "token <hex> rejected"},
		{"dial tcp 127.0.0.1:2525: connect: connection refused", "dial tcp 127.0.0.1:2525: connect: connection refused"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := ops.ErrorClass(c.in); got != c.want {
				t.Fatalf("ErrorClass(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

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
