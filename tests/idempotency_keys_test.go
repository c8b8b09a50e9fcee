package tests

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
)

// TestIdempotentUpdateAndDelete: PUT and DELETE repeated with their key
// answer the first answer (the DELETE's repeat too, though the order is
// gone) and write one order.updated and one order.deleted; a DELETE with
// the PUT's key is 422 and deletes nothing; the POST that
// created the order, repeated after all that, still answers its first
// answer and creates nothing.
func TestIdempotentUpdateAndDelete(t *testing.T) {
	a, rdb := sharedAPI(t), srv.Client(t)
	c := newCatalog(a, 1, 100, 1000)
	p := c.products[0]
	post := newKey(t)
	created := a.expect(http.MethodPost, v1+"/orders", c.order(p), http.StatusCreated, nil, hdrIdempotencyKey, post)
	var ids []string
	if err := json.Unmarshal(created.body, &ids); err != nil || len(ids) != 1 {
		t.Fatalf("POST /v1/orders = %s, want one id", created)
	}
	id := ids[0]

	put := newKey(t)
	first := a.expect(http.MethodPut, v1+"/order/"+id, c.order(p, p), http.StatusOK, nil, hdrIdempotencyKey, put)
	second := a.sendJSON(http.MethodPut, v1+"/order/"+id, c.order(p, p), hdrIdempotencyKey, put)
	sameAnswer(t, "PUT /v1/order/{id}", first, second)
	if n := countEvents(t, rdb, model.OrderUpdated, "id", id); n != 1 {
		t.Errorf("%d order.updated events for one PUT sent twice with its key, want 1", n)
	}

	if r := a.send(http.MethodDelete, v1+"/order/"+id, "", hdrIdempotencyKey, put); r.code != http.StatusUnprocessableEntity {
		t.Errorf("DELETE /v1/order/{id} with the PUT's key = %s, want 422", r)
	}
	if s := orderStatus(a, id); s != model.StatusAccepted {
		t.Errorf("order after the DELETE with a reused key is %q, want it still there, accepted", s)
	}

	del := newKey(t)
	first = a.expect(http.MethodDelete, v1+"/order/"+id, nil, http.StatusOK, nil, hdrIdempotencyKey, del)
	second = a.send(http.MethodDelete, v1+"/order/"+id, "", hdrIdempotencyKey, del)
	sameAnswer(t, "DELETE /v1/order/{id}", first, second)
	if n := countEvents(t, rdb, model.OrderDeleted, "id", id); n != 1 {
		t.Errorf("%d order.deleted events for one DELETE sent twice with its key, want 1", n)
	}
	if r := a.send(http.MethodDelete, v1+"/order/"+id, "", hdrIdempotencyKey, newKey(t)); r.code != http.StatusNotFound {
		t.Errorf("DELETE of the deleted order with a new key = %s, want 404", r)
	}
	again := a.sendJSON(http.MethodPost, v1+"/orders", c.order(p), hdrIdempotencyKey, post)
	sameAnswer(t, "POST /v1/orders repeated after the order was deleted", created, again)
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
		t.Errorf("%d order.created events after the POST was repeated, want 1", n)
	}
}

// TestIdempotencyKeyFormat: a key is 1 to 255 visible ASCII characters;
// any other key answers 400 and writes nothing.
func TestIdempotencyKeyFormat(t *testing.T) {
	a, rdb := sharedAPI(t), srv.Client(t)
	c := newCatalog(a, 1, 100, 1000)
	for _, tc := range []struct{ name, key string }{
		{"256 characters", strings.Repeat("k", 256)},
		{"4096 characters", strings.Repeat("k", 4096)},
		{"a space", "has space"},
		{"not ASCII", "cl\u00e9"},
		{"a tab", "tab\there"},
	} {
		r := a.sendJSON(http.MethodPost, v1+"/orders", c.order(c.products[0]), hdrIdempotencyKey, tc.key)
		if r.code != http.StatusBadRequest || r.errorMessage() == "" {
			t.Errorf("Idempotency-Key with %s: POST /v1/orders = %s, want 400 with a JSON error", tc.name, r)
		}
	}
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 0 {
		t.Errorf("%d orders created by requests with a bad key, want 0", n)
	}
	long := newKey(t) + "!~"
	long += strings.Repeat("x", 255-len(long))
	a.expect(http.MethodPost, v1+"/orders", c.order(c.products[0]), http.StatusCreated, nil, hdrIdempotencyKey, long)
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
		t.Errorf("%d orders created with a key of 255 characters, want 1", n)
	}
}

// TestIdempotencyFailureNotRemembered: only a 2xx answer is remembered. A
// request that failed (404: unknown customer) fails again when sent again
// with its key, and the same key then serves a valid request.
func TestIdempotencyFailureNotRemembered(t *testing.T) {
	a, rdb := sharedAPI(t), srv.Client(t)
	c, key := newCatalog(a, 1, 100, 1000), newKey(t)
	bad := map[string]any{"customer_id": "no-such-customer", "product_ids": []string{c.products[0]}}
	for i := range 2 {
		r := a.sendJSON(http.MethodPost, v1+"/orders", bad, hdrIdempotencyKey, key)
		if r.code != http.StatusNotFound || r.header.Get(hdrReplayed) != "" {
			t.Errorf("POST %d of an order of an unknown customer = %s (%s %q), want 404 not replayed",
				i+1, r, hdrReplayed, r.header.Get(hdrReplayed))
		}
	}
	first := a.expect(http.MethodPost, v1+"/orders", c.order(c.products[0]), http.StatusCreated, nil, hdrIdempotencyKey, key)
	if got := first.header.Get(hdrReplayed); got != "" {
		t.Errorf("valid request after the 404s: %s = %q, want none", hdrReplayed, got)
	}
	second := a.sendJSON(http.MethodPost, v1+"/orders", c.order(c.products[0]), hdrIdempotencyKey, key)
	sameAnswer(t, "POST /v1/orders after a failure with the key", first, second)
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
		t.Errorf("%d order.created events, want 1", n)
	}
}
