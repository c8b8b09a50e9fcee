package ops_test

import (
	"context"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// publishCaused appends an event caused by the event with id cause.
func publishCaused(t *testing.T, rdb redis.UniversalClient, stream, typ, eventID, entityID, cause string) string {
	t.Helper()
	id, err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: map[string]any{
		runtime.FieldType: typ, runtime.FieldEventID: eventID, opstest.EntityField: entityID,
		runtime.FieldData: "{}", opstest.CausationField: cause,
	}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestLatestFiltersByStreamTypeAndEntity(t *testing.T) {
	rdb := srv.Client(t)
	o := opstest.Ops(rdb)
	orders, payments := opstest.Unique("events:order"), opstest.Unique("events:payment")
	opstest.Publish(t, rdb, orders, "order.created", "e1", "o1", map[string]int{})
	opstest.Publish(t, rdb, payments, "payment.taken", "e2", "p1", map[string]int{})
	opstest.Publish(t, rdb, orders, "order.created", "e3", "o2", map[string]int{})
	opstest.Publish(t, rdb, orders, "order.cancelled", "e4", "o1", map[string]int{})
	ids := func(es []ops.Event) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.EventID)
		}
		return out
	}
	for name, tc := range map[string]struct {
		f    ops.EventFilter
		want []string
	}{
		"stream":             {ops.EventFilter{Stream: orders}, []string{"e4", "e3", "e1"}},
		"type":               {ops.EventFilter{Stream: orders, Type: "order.created"}, []string{"e3", "e1"}},
		"entity":             {ops.EventFilter{Stream: orders, EntityID: "o1"}, []string{"e4", "e1"}},
		"every stream, type": {ops.EventFilter{Type: "payment.taken"}, []string{"e2"}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := o.Latest(context.Background(), tc.f, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			var mine []ops.Event
			for _, e := range got.Events {
				if e.Stream == orders || e.Stream == payments {
					mine = append(mine, e)
				}
			}
			if !slices.Equal(ids(mine), tc.want) {
				t.Errorf("got %v, want %v", ids(mine), tc.want)
			}
		})
	}
	t.Run("limit and scan cap", func(t *testing.T) {
		got, err := o.Latest(context.Background(), ops.EventFilter{Stream: orders, EntityID: "o1"}, 10, 2)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got.Events), []string{"e4"}) || !slices.Equal(got.Cut, []string{orders}) {
			t.Errorf("scan of 2: %v, cut %v; want [e4] and %s cut", ids(got.Events), got.Cut, orders)
		}
	})
	t.Run("event streams", func(t *testing.T) {
		streams, err := o.EventStreams(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(streams, orders) || !slices.Contains(streams, payments) || slices.ContainsFunc(streams, func(s string) bool { return s[:4] == "dlq:" }) {
			t.Errorf("event streams %v: want %s and %s, no dead-letter stream", streams, orders, payments)
		}
	})
}

func TestEntityNestsTheReactionsAndReportsTheCap(t *testing.T) {
	rdb := srv.Client(t)
	o := opstest.Ops(rdb)
	orders, payments := opstest.Unique("events:order"), opstest.Unique("events:payment")
	ev := opstest.Unique("ev")
	opstest.Publish(t, rdb, orders, "order.created", ev+"-1", "o1", map[string]int{})
	publishCaused(t, rdb, payments, "payment.requested", ev+"-2", "p1", ev+"-1")
	publishCaused(t, rdb, payments, "payment.taken", ev+"-3", "p1", ev+"-2")
	publishCaused(t, rdb, orders, "order.paid", ev+"-4", "o1", ev+"-3")
	publishCaused(t, rdb, orders, "stock.reserved", ev+"-5", "s1", ev+"-1")

	tl, err := o.Entity(context.Background(), o.Aggregate(orders), "o1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Events) != 2 || tl.Events[0].Event.EventID != ev+"-1" || tl.Events[1].Event.EventID != ev+"-4" {
		t.Fatalf("entity events %+v: want %s-1 and %s-4", tl.Events, ev, ev)
	}
	first := tl.Events[0]
	if len(first.Reactions) != 2 || first.Reactions[0].Event.EventID != ev+"-2" || first.Reactions[1].Event.EventID != ev+"-5" {
		t.Fatalf("reactions of the first event %+v: want %s-2 then %s-5", first.Reactions, ev, ev)
	}
	chain := first.Reactions[0]
	if len(chain.Reactions) != 1 || chain.Reactions[0].Event.EventID != ev+"-3" ||
		len(chain.Reactions[0].Reactions) != 1 || chain.Reactions[0].Reactions[0].Event.EventID != ev+"-4" {
		t.Errorf("nested reactions %+v: want %s-3 then %s-4", chain, ev, ev)
	}
	if len(tl.Cut) != 0 {
		t.Errorf("cut %v without a cap", tl.Cut)
	}

	capped, err := o.Entity(context.Background(), orders, "o1", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(capped.Cut, orders) || !slices.Contains(capped.Cut, payments) || capped.ScanLimit != 1 {
		t.Errorf("a scan of 1 entry cut %v (limit %d): want %s and %s cut", capped.Cut, capped.ScanLimit, orders, payments)
	}
}
