package tests

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
)

// TestPutCarriesReadFields: a PUT body may carry what a GET returned, on
// both dialects, but a client cannot set what the shop derives: status
// "paid", a reason or a billing_id sent with an order are ignored (the
// order stays unpaid and can be paid), and an id other than the path's is
// 400.
func TestPutCarriesReadFields(t *testing.T) {
	a := sharedAPI(t)
	c := newCatalog(a, 1, 10, 100)
	p := c.products[0]
	id := a.ids("/orders", c.order(p))[0]
	for _, prefix := range []string{"", v1} {
		forged := map[string]any{"id": id, "customer_id": c.customer, "product_ids": []string{p, p},
			"status": model.StatusPaid, "reason": "forged", "billing_id": "forged-billing"}
		a.expect(http.MethodPut, prefix+"/order/"+id, forged, http.StatusOK, nil)
		var got wOrder
		a.expect(http.MethodGet, v1+"/orders/"+id, nil, http.StatusOK, &got)
		if got.Status != model.StatusAccepted || got.Reason != "" || got.BillingID != "" || len(got.ProductIDs) != 2 {
			t.Errorf("PUT %s/order/{id} with status paid: order is %+v, want accepted with 2 units, no reason, no billing", prefix, got)
		}
		var unbilled []wOrder
		a.expect(http.MethodGet, "/orders/unbilled", nil, http.StatusOK, &unbilled)
		if !slices.ContainsFunc(unbilled, func(o wOrder) bool { return o.ID == id }) {
			t.Errorf("after PUT %s/order/{id} with status paid: the order is not in /orders/unbilled", prefix)
		}
		mismatch := map[string]any{"id": c.customer, "customer_id": c.customer, "product_ids": []string{p}}
		if r := a.sendJSON(http.MethodPut, prefix+"/order/"+id, mismatch); r.code != http.StatusBadRequest || r.errorMessage() == "" {
			t.Errorf("PUT %s/order/{id} with another id = %s, want 400 with a JSON error", prefix, r)
		}
	}
	a.ids("/billings", map[string]any{"order_id": id})
	if s := orderStatus(a, id); s != model.StatusPaid {
		t.Errorf("order paid for real is %q, want paid", s)
	}
}

// TestPutWhatGetReturned: every entity's GET body, sent back unchanged as
// the PUT body (as the seed's client does), on both dialects, answers 200
// and leaves the entity as it was.
func TestPutWhatGetReturned(t *testing.T) {
	a := sharedAPI(t)
	c := newCatalog(a, 1, 10, 100)
	order := a.ids("/orders", c.order(c.products[0]))[0]
	billing := a.ids("/billings", map[string]any{"order_id": a.ids("/orders", c.order(c.products[0]))[0]})[0]
	for _, path := range []string{"/customer/" + c.customer, "/product/" + c.products[0], "/inventory/" + c.inventory[0], "/order/" + order, "/billing/" + billing} {
		for _, prefix := range []string{"", v1} {
			before := a.expect(http.MethodGet, prefix+path, nil, http.StatusOK, nil)
			a.expect(http.MethodPut, prefix+path, json.RawMessage(before.body), http.StatusOK, nil)
			after := a.expect(http.MethodGet, prefix+path, nil, http.StatusOK, nil)
			if !bytes.Equal(bytes.TrimSpace(before.body), bytes.TrimSpace(after.body)) {
				t.Errorf("PUT %s%s of its own GET body changed it:\nbefore %s\nafter  %s", prefix, path, before.body, after.body)
			}
		}
	}
}
