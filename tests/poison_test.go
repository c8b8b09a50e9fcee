package tests

import (
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// poisonTypes is, per family, a type some function handles.
var poisonTypes = map[string]string{
	model.Stream(model.AggCustomer):  model.CustomerCreated,
	model.Stream(model.AggProduct):   model.ProductCreated,
	model.Stream(model.AggInventory): model.InventoryCreated,
	model.Stream(model.AggOrder):     model.OrderCreated,
	model.Stream(model.AggBilling):   model.BillingCreated,
	model.Stream(model.AggMail):      model.MailRequested,
}

// TestPoisonEntriesDeadLettered adds to every family, in the partition of
// a new entity, an entry of a handled type without data and one whose
// data is not an object: each is dead-lettered (dlq:<function>, with its
// stream, entry id and error) by exactly the functions whose streams and
// types take it in (runtime.ListFunctions), no process exits, and an
// order sent after them is decided and reacted to. On a Redis Cluster the
// dead letters are in another slot than the entries they stand for.
func TestPoisonEntriesDeadLettered(t *testing.T) {
	s, a, rdb := ownShop(t)
	c := newCatalog(a, 1, 10, 100)
	fns, err := runtime.ListFunctions(ctx(), rdb, model.RegistryKey)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{} // function -> "stream entry-id" it must dead-letter
	for _, family := range model.Streams() {
		fam, err := partition.Lookup(ctx(), rdb, family)
		if err != nil {
			t.Fatal(err)
		}
		typ := poisonTypes[family]
		entity := uuid.NewString()
		stream := fam.StreamOf(entity)
		for _, fields := range []map[string]any{
			{"type": typ, "event_id": uuid.NewString(), "entity_id": entity},
			{"type": typ, "event_id": uuid.NewString(), "entity_id": entity, "data": "[1,2"},
		} {
			id, err := rdb.XAdd(ctx(), &redis.XAddArgs{Stream: stream, Values: fields}).Result()
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fns {
				if slices.Contains(f.Streams, stream) && (len(f.Types) == 0 || slices.Contains(f.Types, typ)) {
					want[f.Name] = append(want[f.Name], stream+" "+id)
				}
			}
		}
	}
	if len(want) < 3 {
		t.Fatalf("the poison reaches %d functions (%v), want most of them", len(want), want)
	}
	for _, ids := range want {
		sort.Strings(ids)
	}
	order := a.create(v1+"/orders", c.order(c.products[0]))[0]
	settle(t, rdb)
	got := map[string][]string{}
	for _, fn := range model.Functions() {
		entries, err := rdb.XRange(ctx(), runtime.DeadLetterStream(fn), "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Values["dlq_error"] == "" || e.Values["dlq_function"] != fn {
				t.Errorf("dead letter %s of %s: %v", e.ID, fn, e.Values)
			}
			got[fn] = append(got[fn], fmt.Sprint(e.Values["dlq_stream"], " ", e.Values["dlq_entry_id"]))
		}
		sort.Strings(got[fn])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dead letters (-want +got):\n%s", diff)
	}
	var o model.Order
	a.get(v1+"/orders/"+order, &o)
	if o.Status != model.StatusAccepted {
		t.Errorf("the order after the poison is %s, want accepted", o.Status)
	}
	var mails []model.Mail
	a.get("/mails", &mails)
	if countKinds(mails)[model.MailPaymentRequest] != 1 {
		t.Errorf("mails after the poison %v, want the order's payment request", countKinds(mails))
	}
	for _, name := range []string{"gateway", model.FunctionProjector, model.FunctionInventory, model.FunctionBilling, model.FunctionCRM, model.FunctionMailer} {
		if !s.Proc(name).Alive() {
			t.Errorf("%s exited", name)
		}
	}
}
