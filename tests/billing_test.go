package tests

import (
	"net/http"
	"slices"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
)

// The billing events of the contract (by name: the tests speak the wire).
const (
	evBillingUpdated = "billing.updated"
	evBillingDeleted = "billing.deleted"
)

// TestBillingUpdateAndDelete: PUT /billing/{id} re-issues the payment
// with the order's total now (the amount sent is ignored; another order
// or id is 400); DELETE /billing/{id} cancels it: the order is unpaid
// again and may be paid again, GET of the billing is 404 on /v1 and 200
// null on the seed paths, a second DELETE is 404.
func TestBillingUpdateAndDelete(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c := newCatalog(a, 1, 10, 100)
	p := c.products[0]
	order, other := a.ids("/orders", c.order(p, p))[0], a.ids("/orders", c.order(p))[0]
	if s := orderStatus(a, order); s != model.StatusAccepted {
		t.Fatalf("order is %q, want accepted", s)
	}
	var ids []string
	r := a.expect(http.MethodPost, v1+"/billings", map[string]any{"order_id": order}, http.StatusCreated, &ids)
	bid := ids[0]
	if loc := r.header.Get(hdrLocation); loc != v1+"/billings/"+bid {
		t.Errorf("POST /v1/billings: Location %q, want /v1/billings/%s", loc, bid)
	}
	b := getBilling(a, bid)
	if b.OrderID != order || b.CustomerID != c.customer || b.Amount != 20 {
		t.Errorf("billing = %+v, want order %s of customer %s, amount 20", b, order, c.customer)
	}
	if s := orderStatus(a, order); s != model.StatusPaid {
		t.Errorf("paid order is %q, want paid", s)
	}

	a.expect(http.MethodPut, v1+"/product/"+p, map[string]any{"name": "Item 0", "price": 15}, http.StatusOK, nil)
	b.Amount = 1 // ignored: the billing is re-issued with the order's total now
	var stored wBilling
	a.expect(http.MethodPut, v1+"/billing/"+bid, b, http.StatusOK, &stored)
	if stored.ID != bid || stored.Amount != 30 {
		t.Errorf("PUT /v1/billing/{id} answered %+v, want id %s, amount 30 (2 units at the new price 15)", stored, bid)
	}
	if got := getBilling(a, bid); got.Amount != 30 {
		t.Errorf("billing after PUT = %+v, want amount 30", got)
	}
	if n := countEvents(t, rdb, evBillingUpdated, "id", bid); n != 1 {
		t.Errorf("%d %s events, want 1", n, evBillingUpdated)
	}
	for _, bad := range []struct {
		what, path string
		body       map[string]any
		want       int
	}{
		{"another order", v1 + "/billing/" + bid, map[string]any{"order_id": other}, http.StatusBadRequest},
		{"another id", v1 + "/billing/" + bid, map[string]any{"id": other, "order_id": order}, http.StatusBadRequest},
		{"unknown billing", v1 + "/billing/no-such-billing", map[string]any{"order_id": order}, http.StatusNotFound},
	} {
		if r := a.sendJSON(http.MethodPut, bad.path, bad.body); r.code != bad.want || r.errorMessage() == "" {
			t.Errorf("PUT with %s = %s, want %d with a JSON error", bad.what, r, bad.want)
		}
	}

	var was wBilling
	a.expect(http.MethodDelete, v1+"/billing/"+bid, nil, http.StatusOK, &was)
	if was.ID != bid || was.Amount != 30 {
		t.Errorf("DELETE /v1/billing/{id} answered %+v, want the billing as it was (amount 30)", was)
	}
	if s := orderStatus(a, order); s != model.StatusAccepted {
		t.Errorf("order after its billing was deleted is %q, want accepted", s)
	}
	if !slices.ContainsFunc(listAll[wOrder](a, "/orders/unbilled"), func(o wOrder) bool { return o.ID == order }) {
		t.Errorf("order with its billing deleted is not in /v1/orders/unbilled")
	}
	if r := a.send(http.MethodGet, v1+"/billing/"+bid, ""); r.code != http.StatusNotFound {
		t.Errorf("GET /v1/billing/{deleted} = %s, want 404", r)
	}
	if r := a.send(http.MethodGet, "/billing/"+bid, ""); r.code != http.StatusOK || !r.null() {
		t.Errorf("GET /billing/{deleted} = %s, want 200 null", r)
	}
	if r := a.send(http.MethodDelete, v1+"/billing/"+bid, ""); r.code != http.StatusNotFound {
		t.Errorf("second DELETE /v1/billing/{id} = %s, want 404", r)
	}
	if n := countEvents(t, rdb, evBillingDeleted, "id", bid); n != 1 {
		t.Errorf("%d %s events, want 1", n, evBillingDeleted)
	}

	again := a.ids("/billings", map[string]any{"order_id": order})[0]
	if again == bid || orderStatus(a, order) != model.StatusPaid || getBilling(a, again).Amount != 30 {
		t.Errorf("paying again: billing %s (was %s), order %q, want a new billing of 30 and the order paid", again, bid, orderStatus(a, order))
	}
	seed := a.expect(http.MethodPut, "/billing/"+again, map[string]any{"order_id": order}, http.StatusOK, nil)
	if r := a.send(http.MethodDelete, "/billing/"+again, ""); r.code != http.StatusOK {
		t.Errorf("seed dialect: DELETE /billing/{id} = %s after PUT %s, want 200", r, seed)
	}
}

// getBilling is GET /v1/billings/{id}.
func getBilling(a api, id string) wBilling {
	a.t.Helper()
	var b wBilling
	a.expect(http.MethodGet, v1+"/billings/"+id, nil, http.StatusOK, &b)
	return b
}

// TestPayOnceUnderRace: ten clients pay one order at once: one answers
// 201, the others 409, and one billing.created is written.
func TestPayOnceUnderRace(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c := newCatalog(a, 1, 10, 100)
	order := a.ids("/orders", c.order(c.products[0]))[0]
	if s := orderStatus(a, order); s != model.StatusAccepted {
		t.Fatalf("order is %q, want accepted", s)
	}
	body := mustJSON(t, map[string]any{"order_id": order})
	paid := raceCreate(t, a, 10, v1+"/billings", body)
	if n := countEvents(t, rdb, model.BillingCreated, "order_id", order); paid != 1 || n != 1 {
		t.Errorf("10 racing payments of one order: %d answered 201, %d billing.created; want 1 and 1", paid, n)
	}
}
