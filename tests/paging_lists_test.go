package tests

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestPagingEveryList pages through every list of the REST dialect with a
// small limit and checks that the pages hold the seed dialect's full
// array, in the same (id) order.
func TestPagingEveryList(t *testing.T) {
	a, rdb := sharedAPI(t), srv.Client(t)
	c := newCatalog(a, 3, 5, 1000)
	orders := a.ids("/orders", []map[string]any{c.order(c.products[0]), c.order(c.products[1]), c.order(c.products[2])})
	a.ids("/billings", map[string]any{"order_id": orders[0]})
	settle(t, rdb)
	for _, path := range []string{"/customers", "/products", "/inventory", "/orders", "/orders/unbilled", "/billings", "/mails"} {
		t.Run(path, func(t *testing.T) {
			a := a.on(t)
			var full []json.RawMessage
			a.expect(http.MethodGet, path, nil, http.StatusOK, &full)
			if len(full) == 0 {
				t.Fatalf("GET %s is empty: nothing to page", path)
			}
			const limit = 7
			items, pages := walkPages(a, path, limit, limit)
			seed, paged := idsOf(a, full), idsOf(a, items)
			if !slices.IsSorted(seed) {
				t.Errorf("GET %s is not in id order", path)
			}
			if !slices.IsSorted(paged) {
				t.Errorf("GET /v1%s pages are not in id order", path)
			}
			slices.Sort(seed)
			slices.Sort(paged)
			if diff := cmp.Diff(seed, paged); diff != "" {
				t.Errorf("GET /v1%s pages vs GET %s, ids sorted (-seed +pages):\n%s", path, path, diff)
			}
			if want := (len(full) + limit - 1) / limit; pages < want {
				t.Errorf("GET /v1%s: %d items on %d pages of at most %d", path, len(items), pages, limit)
			}
		})
	}
}
