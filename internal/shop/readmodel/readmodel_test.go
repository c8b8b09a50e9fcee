package readmodel_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/handlers/projector"
	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
)

// freshReadModel empties srv and returns a writer and a reader of the
// read model on it.
func freshReadModel(t *testing.T) (context.Context, *readmodel.Writer, *readmodel.Reader) {
	srv.FlushAll(t)
	rdb := srv.Client(t)
	return context.Background(), readmodel.NewWriter(rdb), readmodel.NewReader(rdb)
}

func TestOrderLifecycle(t *testing.T) {
	ctx, w, r := freshReadModel(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	o1 := model.Order{ID: "o1", CustomerID: "c1", ProductIDs: []string{"p1", "p1"}}
	o2 := model.Order{ID: "o2", CustomerID: "c1", ProductIDs: []string{"p2"}}
	must(w.Put(ctx, model.AggOrder, "o1", o1))
	must(w.Put(ctx, model.AggOrder, "o2", o2))
	must(w.SetOrderStatus(ctx, "o1", model.StatusAccepted, ""))
	must(w.SetOrderStatus(ctx, "o2", model.StatusAccepted, ""))

	unbilled, err := r.Unbilled(ctx)
	must(err)
	if len(unbilled) != 2 {
		t.Fatalf("unbilled = %v, want 2 orders", unbilled)
	}
	must(w.MarkPaid(ctx, "o1", "b1"))
	must(w.Delete(ctx, model.AggOrder, "o2"))
	must(w.SetOrderStatus(ctx, "o2", model.StatusAccepted, "")) // late verdict
	must(w.Put(ctx, model.AggOrder, "o2", o2))                  // late re-run

	got, err := r.Orders(ctx)
	must(err)
	o1.Status, o1.BillingID = model.StatusPaid, "b1"
	if diff := cmp.Diff([]model.Order{o1}, got); diff != "" {
		t.Errorf("orders (-want +got):\n%s", diff)
	}
	if _, ok, _ := r.Order(ctx, "o2"); ok {
		t.Error("deleted order o2 is back")
	}
	unbilled, err = r.Unbilled(ctx)
	must(err)
	if len(unbilled) != 0 {
		t.Errorf("unbilled = %v, want none", unbilled)
	}
}

func TestRebuild(t *testing.T) {
	srv.FlushAll(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	log := model.NewLog(rdb, 4)
	store := eventstore.New(rdb, log)
	var events []model.Event
	add := func(typ, id string, data any) {
		e, err := model.NewEvent(typ, id, "", data)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	add(model.CustomerCreated, "c1", model.Customer{ID: "c1", Name: "Ann"})
	add(model.CustomerCreated, "c2", model.Customer{ID: "c2", Name: "Bob"})
	add(model.OrderCreated, "o1", model.Order{ID: "o1", CustomerID: "c1", ProductIDs: []string{"p"}})
	add(model.OrderAccepted, "o1", model.OrderVerdict{ID: "o1"})
	add(model.CustomerDeleted, "c2", model.Customer{ID: "c2"})
	for _, e := range events { // one by one: distinct entry ids in order
		if _, err := store.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	rdb.HSet(ctx, readmodel.EntityKey(model.AggCustomer), "junk", `{"id":"junk"}`)
	rdb.SAdd(ctx, "shop:tombstones", "customer:c1") // of before the slots
	rdb.ZAdd(ctx, "shop:orders:ids", redis.Z{Member: "o9"})

	n, err := readmodel.Rebuild(ctx, rdb, log, projector.New(readmodel.NewWriter(rdb)).Apply)
	if err != nil || n != len(events) {
		t.Fatalf("Rebuild = %d, %v", n, err)
	}
	r := readmodel.NewReader(rdb)
	customers, _ := readmodel.Entities[model.Customer](r, model.AggCustomer).All(ctx)
	if diff := cmp.Diff([]model.Customer{{ID: "c1", Name: "Ann"}}, customers); diff != "" {
		t.Errorf("customers (-want +got):\n%s", diff)
	}
	orders, _ := r.Orders(ctx)
	if len(orders) != 1 || orders[0].Status != model.StatusAccepted {
		t.Errorf("orders = %+v, want o1 accepted", orders)
	}
	if n := rdb.Exists(ctx, readmodel.LegacyKeys()...).Val(); n != 0 {
		t.Errorf("%d keys of before the slots left after a rebuild", n)
	}
}

// TestVerdictBeforeOrder: after a failover the runtime may run an order's
// verdict before its order.created (reclaimed later); the verdict is kept.
func TestVerdictBeforeOrder(t *testing.T) {
	ctx, w, r := freshReadModel(t)
	o := model.Order{ID: "o1", CustomerID: "c1", ProductIDs: []string{"p1"}}
	for _, err := range []error{
		w.SetOrderStatus(ctx, o.ID, model.StatusAccepted, ""),
		w.Put(ctx, model.AggOrder, o.ID, o),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := r.Order(ctx, o.ID)
	if err != nil || !ok || got.Status != model.StatusAccepted {
		t.Errorf("order = %+v, %v, %v; want it accepted", got, ok, err)
	}
}
