package readmodel_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/ordershop/functions/handlers/projector"
	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
	"github.com/ordershop/functions/internal/testkit/slotaudit"
)

// TestClusterEveryWriteAndReadInOneSlot: on a one-node Redis Cluster (which
// refuses CROSSSLOT as a real one does) the projector's every write — put,
// delete, status, paid, unpaid, mails — the rebuild, and the readers'
// lists and pages succeed, and the audit finds no unit of work over two
// slots.
func TestClusterEveryWriteAndReadInOneSlot(t *testing.T) {
	node.FlushAll(t)
	ctx := context.Background()
	rdb := node.ClusterClient(t)
	log := model.NewLog(rdb, 4)
	var events []model.Event
	add := func(typ, id string, data any) {
		e, err := model.NewEvent(typ, id, "", data)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	for i := range 3 {
		c, p, o := fmt.Sprintf("c%d", i), fmt.Sprintf("p%d", i), fmt.Sprintf("o%d", i)
		add(model.CustomerCreated, c, model.Customer{ID: c, Name: "Ann"})
		add(model.ProductCreated, p, model.Product{ID: p, Name: "Pen", Price: 2})
		add(model.InventoryCreated, "i"+p, model.Inventory{ID: "i" + p, ProductID: p, Amount: 5})
		add(model.OrderCreated, o, model.Order{ID: o, CustomerID: c, ProductIDs: []string{p}})
		add(model.OrderAccepted, o, model.OrderVerdict{ID: o})
		add(model.MailSent, "m"+o, model.Mail{ID: "m" + o, To: "ann@example.com", Kind: "order"})
	}
	add(model.BillingCreated, "b0", model.Billing{ID: "b0", OrderID: "o0", CustomerID: "c0", Amount: 2})
	add(model.BillingCreated, "b1", model.Billing{ID: "b1", OrderID: "o1", CustomerID: "c1", Amount: 2})
	add(model.BillingDeleted, "b1", model.Billing{ID: "b1", OrderID: "o1"})
	add(model.OrderDeleted, "o2", model.Order{ID: "o2"})
	add(model.CustomerDeleted, "c2", model.Customer{ID: "c2"})
	add(model.OrderAccepted, "o2", model.OrderVerdict{ID: "o2"}) // late verdict of a deleted order
	store := eventstore.New(rdb, log)
	for _, e := range events { // one by one: distinct entry ids in order
		if _, err := store.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
	}

	audit := slotaudit.Start(t, node, rdb)
	n, err := readmodel.Rebuild(ctx, rdb, log, projector.New(readmodel.NewWriter(rdb)).Apply)
	if err != nil || n != len(events) {
		t.Fatalf("Rebuild = %d, %v; want %d events", n, err, len(events))
	}
	n, err = readmodel.Rebuild(ctx, rdb, log, projector.New(readmodel.NewWriter(rdb)).Apply)
	if err != nil || n != len(events) {
		t.Fatalf("second Rebuild = %d, %v", n, err)
	}
	r := readmodel.NewReader(rdb)
	orders, err := r.Orders(ctx)
	if err != nil || len(orders) != 2 || orders[0].Status != model.StatusPaid || orders[1].Status != model.StatusAccepted {
		t.Errorf("orders = %+v, %v; want o0 paid, o1 accepted (its payment cancelled)", orders, err)
	}
	page, err := r.OrdersPage(ctx, "", 1)
	if err != nil || len(page.Items) != 1 || page.Next != "o0" || page.Items[0].BillingID != "b0" {
		t.Errorf("first page = %+v, %v", page, err)
	}
	if unbilled, err := r.UnbilledPage(ctx, "", 5); err != nil || len(unbilled.Items) != 1 || unbilled.Items[0].ID != "o1" {
		t.Errorf("unbilled = %+v, %v", unbilled, err)
	}
	if _, ok, err := r.Order(ctx, "o2"); ok || err != nil {
		t.Errorf("deleted order o2: ok %v, err %v", ok, err)
	}
	customers, err := readmodel.Entities[model.Customer](r, model.AggCustomer).Page(ctx, "", 10)
	if err != nil || len(customers.Items) != 2 {
		t.Errorf("customers = %+v, %v; want c0, c1", customers, err)
	}
	if mails, err := r.SentMails().All(ctx); err != nil || len(mails) != 3 {
		t.Errorf("mails = %+v, %v", mails, err)
	}
	if mails, err := r.SentMails().Page(ctx, "mo0", 10); err != nil || len(mails.Items) != 2 {
		t.Errorf("mails after mo0 = %+v, %v", mails, err)
	}
	audit.Check(t, len(events), len(readmodel.Keys()))
}
