package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBadRequests sends bad requests to every route of the REST dialect
// (the paths of the table under /v1): each answers its documented status
// with a JSON error and writes nothing to the event log.
func TestBadRequests(t *testing.T) {
	_, a, rdb := ownShop(t)
	c := newCatalog(a, 1, 2, 5)
	cid, pid, iid := c.customer, c.products[0], c.inventory[0]
	oid := a.create(v1+"/orders", c.order(pid))[0]
	paid := a.create(v1+"/orders", c.order(pid))[0]
	waitOrders(t, a)
	a.create("/v1/billings", map[string]any{"order_id": paid})
	settle(t, rdb)

	huge := `{"name":"` + strings.Repeat("x", 2<<20) + `","email":"a@x"}`
	order := func(customer string, products ...string) string {
		b, _ := json.Marshal(map[string]any{"customer_id": customer, "product_ids": products})
		return string(b)
	}
	type req struct{ method, path, body string }
	tests := []struct {
		name string
		req  req
		want int
	}{
		{"customers: malformed JSON", req{"POST", "/customers", `{"name":`}, 400},
		{"customers: not an object", req{"POST", "/customers", `"Ann"`}, 400},
		{"customers: empty array", req{"POST", "/customers", `[]`}, 400},
		{"customers: missing email", req{"POST", "/customers", `{"name":"Bob"}`}, 400},
		{"customers: wrong-typed name", req{"POST", "/customers", `{"name":5,"email":"b@x"}`}, 400},
		{"customers: unknown field", req{"POST", "/customers", `{"name":"B","email":"b@x","age":3}`}, 400},
		{"customers: one bad in an array", req{"POST", "/customers", `[{"name":"B","email":"b@x"},{"name":"C"}]`}, 400},
		{"customers: oversized body", req{"POST", "/customers", huge}, 413},
		{"customer: unknown id", req{"GET", "/customer/nope", ""}, 404},
		{"customer: update unknown id", req{"PUT", "/customer/nope", `{"name":"B","email":"b@x"}`}, 404},
		{"customer: update malformed", req{"PUT", "/customers/" + cid, `{"name":`}, 400},
		{"customer: update id mismatch", req{"PUT", "/customer/" + cid, `{"id":"x","name":"B","email":"b@x"}`}, 400},
		{"customer: update oversized", req{"PUT", "/customer/" + cid, huge}, 413},
		{"customer: delete unknown id", req{"DELETE", "/customer/nope", ""}, 404},
		{"products: missing price", req{"POST", "/products", `{"name":"Ink"}`}, 400},
		{"products: price as string", req{"POST", "/products", `{"name":"Ink","price":"2"}`}, 400},
		{"products: negative price", req{"POST", "/products", `{"name":"Ink","price":-1}`}, 400},
		{"product: unknown id", req{"GET", "/products/nope", ""}, 404},
		{"product: update unknown id", req{"PUT", "/product/nope", `{"name":"Ink","price":1}`}, 404},
		{"product: delete unknown id", req{"DELETE", "/product/nope", ""}, 404},
		{"inventory: unknown product", req{"POST", "/inventory", `{"product_id":"nope","amount":1}`}, 404},
		{"inventory: fractional amount", req{"POST", "/inventory", fmt.Sprintf(`{"product_id":%q,"amount":1.5}`, pid)}, 400},
		{"inventory: missing product", req{"POST", "/inventory", `{"amount":1}`}, 400},
		{"inventory: unknown id", req{"GET", "/inventory/nope", ""}, 404},
		{"inventory: update unknown product", req{"PUT", "/inventory/" + iid, `{"product_id":"nope","amount":1}`}, 404},
		{"inventory: delete unknown id", req{"DELETE", "/inventories/nope", ""}, 404},
		{"orders: unknown customer", req{"POST", "/orders", order("nope", pid)}, 404},
		{"orders: unknown product", req{"POST", "/orders", order(cid, "nope")}, 404},
		{"orders: no products", req{"POST", "/orders", order(cid)}, 400},
		{"orders: products not a list", req{"POST", "/orders", fmt.Sprintf(`{"customer_id":%q,"product_ids":%q}`, cid, pid)}, 400},
		{"orders: out of stock", req{"POST", "/orders", order(cid, pid, pid, pid, pid)}, 409},
		{"orders: oversized body", req{"POST", "/orders", huge}, 413},
		{"order: unknown id", req{"GET", "/order/nope", ""}, 404},
		{"order: update unknown id", req{"PUT", "/orders/nope", order(cid, pid)}, 404},
		{"order: update paid order", req{"PUT", "/order/" + paid, order(cid, pid)}, 409},
		{"order: update out of stock", req{"PUT", "/order/" + oid, order(cid, pid, pid, pid, pid, pid)}, 409},
		{"order: delete unknown id", req{"DELETE", "/order/nope", ""}, 404},
		{"billings: missing order_id", req{"POST", "/billings", `{}`}, 400},
		{"billings: order_id not a string", req{"POST", "/billings", `{"order_id":5}`}, 400},
		{"billings: unknown order", req{"POST", "/billings", `{"order_id":"nope"}`}, 404},
		{"billings: paying twice", req{"POST", "/billings", fmt.Sprintf(`{"order_id":%q}`, paid)}, 409},
		{"billings: oversized body", req{"POST", "/billings", huge}, 413},
		{"billing: unknown id", req{"GET", "/billing/nope", ""}, 404},
		{"unknown route", req{"GET", "/nope", ""}, 404},
	}
	before := streamLens(t, rdb)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := a.do(tc.req.method, v1+tc.req.path, tc.req.body)
			if code != tc.want {
				t.Errorf("%s %s%s = %d %s, want %d", tc.req.method, v1, tc.req.path, code, body, tc.want)
			}
			var e struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
				t.Errorf("body %q is not a JSON error", body)
			}
		})
	}
	if diff := cmp.Diff(before, streamLens(t, rdb)); diff != "" {
		t.Errorf("event log changed by rejected commands (-before +after):\n%s", diff)
	}
	if code, _ := a.do(http.MethodGet, "/v1/order/"+oid, ""); code != http.StatusOK {
		t.Errorf("GET /v1/order/%s = %d after the bad requests", oid, code)
	}
}

// TestCommandsOnDeleted: once deleted, a customer, product or order is an
// unknown id to every command on both dialects: 404 with a JSON error,
// and nothing written.
func TestCommandsOnDeleted(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c := newCatalog(a, 2, 10, 100)
	live, gone := c.products[0], c.products[1]
	order := a.ids("/orders", c.order(live))[0]
	a.expect(http.MethodDelete, v1+"/product/"+gone, nil, http.StatusOK, nil)
	a.expect(http.MethodDelete, v1+"/order/"+order, nil, http.StatusOK, nil)
	customer := a.ids("/customers", map[string]any{"name": "Gone", "email": "gone@example.com"})[0]
	a.expect(http.MethodDelete, v1+"/customer/"+customer, nil, http.StatusOK, nil)
	settle(t, rdb)
	before := streamLens(t, rdb)
	for _, prefix := range []string{"", v1} {
		for _, tc := range []struct {
			what, method, path string
			body               any
		}{
			{"order of a deleted customer", http.MethodPost, "/orders", map[string]any{"customer_id": customer, "product_ids": []string{live}}},
			{"order of a deleted product", http.MethodPost, "/orders", c.order(live, gone)},
			{"inventory of a deleted product", http.MethodPost, "/inventory", map[string]any{"product_id": gone, "amount": 1}},
			{"payment of a deleted order", http.MethodPost, "/billings", map[string]any{"order_id": order}},
			{"update of a deleted customer", http.MethodPut, "/customer/" + customer, map[string]any{"name": "Back", "email": "back@example.com"}},
			{"update of a deleted product", http.MethodPut, "/product/" + gone, map[string]any{"name": "Back", "price": 1}},
			{"update of a deleted order", http.MethodPut, "/order/" + order, c.order(live)},
			{"second delete of a customer", http.MethodDelete, "/customer/" + customer, nil},
			{"second delete of a product", http.MethodDelete, "/product/" + gone, nil},
			{"second delete of an order", http.MethodDelete, "/order/" + order, nil},
		} {
			var r reply
			if tc.body == nil {
				r = a.send(tc.method, prefix+tc.path, "")
			} else {
				r = a.sendJSON(tc.method, prefix+tc.path, tc.body)
			}
			if r.code != http.StatusNotFound || r.errorMessage() == "" {
				t.Errorf("%s: %s %s%s = %s, want 404 with a JSON error", tc.what, tc.method, prefix, tc.path, r)
			}
		}
	}
	if diff := cmp.Diff(before, streamLens(t, rdb)); diff != "" {
		t.Errorf("commands on deleted entities wrote events (-before +after):\n%s", diff)
	}
}
