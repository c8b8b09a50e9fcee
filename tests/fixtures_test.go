package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// catalog is what a contract test orders from: a customer and products
// of its own, each with one inventory entry.
type catalog struct {
	customer  string
	products  []string
	inventory []string
}

// newCatalog creates a customer and n products of price each, every one
// with stock units on the shop's inventory, through the REST dialect (as
// a client should: with an Idempotency-Key, sent again after a 503, see
// api.create).
func newCatalog(a api, n int, price, stock int64) catalog {
	a.t.Helper()
	c := catalog{customer: a.create(v1+"/customers", map[string]any{"name": "Cat Alog", "email": "cat@example.com"})[0]}
	var ps, inv []map[string]any
	for i := range n {
		ps = append(ps, map[string]any{"name": fmt.Sprintf("Item %d", i), "price": price})
	}
	c.products = a.create(v1+"/products", ps)
	for _, p := range c.products {
		inv = append(inv, map[string]any{"product_id": p, "amount": stock})
	}
	c.inventory = a.create(v1+"/inventory", inv)
	return c
}

// order is an order body of the catalog's customer.
func (c catalog) order(products ...string) map[string]any {
	return map[string]any{"customer_id": c.customer, "product_ids": products}
}

// units is n times product p.
func units(p string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = p
	}
	return out
}

// countEvents counts the events of type typ in its family (every
// partition) whose data has field equal to value.
func countEvents(t *testing.T, rdb redis.UniversalClient, typ, field, value string) int {
	t.Helper()
	entries, err := shopkit.Entries(ctx(), rdb, model.StreamOf(typ))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Values["type"] != typ {
			continue
		}
		data, _ := e.Values["data"].(string)
		var v map[string]any
		if json.Unmarshal([]byte(data), &v) == nil && v[field] == value {
			n++
		}
	}
	return n
}

// inventoryAmount reads an inventory entry's amount on both dialects,
// fails unless they agree and are fresh, and returns it.
func inventoryAmount(a api, id string) int64 {
	a.t.Helper()
	var seed, rest wInventory
	fresh(a, a.expect(http.MethodGet, "/inventory/"+id, nil, http.StatusOK, &seed))
	fresh(a, a.expect(http.MethodGet, v1+"/inventory/"+id, nil, http.StatusOK, &rest))
	if seed != rest {
		a.t.Fatalf("inventory %s: seed dialect shows %+v, /v1 shows %+v", id, seed, rest)
	}
	return rest.Amount
}

// orderStatus is GET /v1/orders/{id}'s status.
func orderStatus(a api, id string) string {
	a.t.Helper()
	var o wOrder
	fresh(a, a.expect(http.MethodGet, v1+"/orders/"+id, nil, http.StatusOK, &o))
	return o.Status
}

// fresh fails the test if a query answered stale: these tests rely on
// read-your-writes, which an idle shop meets well within its bound.
func fresh(a api, r reply) {
	a.t.Helper()
	if r.header.Get(hdrStale) == "true" {
		a.t.Errorf("a query answered with %s: true on an idle shop", hdrStale)
	}
}
