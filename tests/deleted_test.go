package tests

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCommandsOnDeleted: once deleted, a customer, product or order is an
// unknown id to every command on both dialects: 404 with a JSON error,
// and nothing written.
func TestCommandsOnDeleted(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Redis.Client(t)
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
