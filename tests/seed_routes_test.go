package tests

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

// seedKind is one entity kind of the seed's gateway: its routes and how
// to make a body to create one and to update what was created.
type seedKind struct {
	singular, plural string
	create           func() map[string]any
	update           func(created map[string]any) map[string]any
}

// TestSeedRoutes walks every route of the seed's gateway for every kind:
// POST on the singular and the plural path answers 200 with the array of
// new ids; GET, PUT and DELETE answer 200 on both forms of the id path;
// GET of a deleted or unknown id answers 200 null, PUT and DELETE of an
// unknown id 404 (and GET of it on /v1 404).
func TestSeedRoutes(t *testing.T) {
	a := sharedAPI(t)
	c := newCatalog(a, 1, 10, 1_000_000)
	for _, k := range seedKinds(a, c) {
		t.Run(k.plural, func(t *testing.T) { seedRoutes(a.on(t), k) })
	}
}

// seedKinds are the seed's entity kinds, orders and billings of catalog
// c's first product.
func seedKinds(a api, c catalog) []seedKind {
	p := c.products[0]
	return []seedKind{
		{"/customer", "/customers",
			func() map[string]any { return map[string]any{"name": "Seed", "email": "seed@example.com"} },
			func(map[string]any) map[string]any {
				return map[string]any{"name": "Renamed", "email": "renamed@example.com"}
			}},
		{"/product", "/products",
			func() map[string]any { return map[string]any{"name": "Seed", "price": 10} },
			func(map[string]any) map[string]any { return map[string]any{"name": "Renamed", "price": 11} }},
		{"/order", "/orders",
			func() map[string]any { return c.order(p) },
			func(map[string]any) map[string]any { return c.order(p, p) }},
		{"/inventory", "/inventories",
			func() map[string]any {
				return map[string]any{"product_id": a.ids("/products", map[string]any{"name": "Stocked", "price": 1})[0], "amount": 5}
			},
			func(made map[string]any) map[string]any {
				return map[string]any{"product_id": made["product_id"], "amount": 50}
			}},
		{"/billing", "/billings",
			func() map[string]any { return map[string]any{"order_id": a.ids("/orders", c.order(p))[0]} },
			func(made map[string]any) map[string]any { return map[string]any{"order_id": made["order_id"]} }},
	}
}

func seedRoutes(a api, k seedKind) {
	t := a.t
	var made []string
	for i, path := range []string{k.singular, k.plural} {
		body := k.create()
		var ids []string
		a.expect(http.MethodPost, path, body, http.StatusOK, &ids)
		if len(ids) != 1 {
			t.Fatalf("POST %s answered %d ids, want 1", path, len(ids))
		}
		id := ids[0]
		made = append(made, id)
		for _, base := range []string{k.singular, k.plural} {
			var got map[string]any
			a.expect(http.MethodGet, base+"/"+id, nil, http.StatusOK, &got)
			if got["id"] != id {
				t.Errorf("GET %s/%s = %v, want the entity", base, id, got)
			}
		}
		update := k.update(body)
		base := []string{k.singular, k.plural}[i]
		a.expect(http.MethodPut, base+"/"+id, update, http.StatusOK, nil)
		var got map[string]any
		a.expect(http.MethodGet, k.singular+"/"+id, nil, http.StatusOK, &got)
		for field, want := range update {
			if mustJSON(t, got[field]) != mustJSON(t, want) {
				t.Errorf("after PUT %s/%s: %s = %v, want %v", base, id, field, got[field], want)
			}
		}
	}
	for i, id := range made {
		base := []string{k.singular, k.plural}[i]
		var was map[string]any
		a.expect(http.MethodDelete, base+"/"+id, nil, http.StatusOK, &was)
		if was["id"] != id {
			t.Errorf("DELETE %s/%s answered %v, want the entity as it was", base, id, was)
		}
		for _, b := range []string{k.singular, k.plural} {
			if r := a.send(http.MethodGet, b+"/"+id, ""); r.code != http.StatusOK || !r.null() {
				t.Errorf("GET %s/%s after DELETE = %s, want 200 null", b, id, r)
			}
		}
	}
	const unknown = "no-such-id"
	for _, base := range []string{k.singular, k.plural} {
		if r := a.send(http.MethodGet, base+"/"+unknown, ""); r.code != http.StatusOK || !r.null() {
			t.Errorf("GET %s/%s = %s, want 200 null", base, unknown, r)
		}
		if r := a.send(http.MethodGet, v1+base+"/"+unknown, ""); r.code != http.StatusNotFound || r.errorMessage() == "" {
			t.Errorf("GET /v1%s/%s = %s, want 404 with a JSON error", base, unknown, r)
		}
		for _, prefix := range []string{"", v1} {
			body, _ := json.Marshal(k.update(k.create()))
			if r := a.send(http.MethodPut, prefix+base+"/"+unknown, string(body)); r.code != http.StatusNotFound || r.errorMessage() == "" {
				t.Errorf("PUT %s%s/%s = %s, want 404 with a JSON error", prefix, base, unknown, r)
			}
			if r := a.send(http.MethodDelete, prefix+base+"/"+unknown, ""); r.code != http.StatusNotFound || r.errorMessage() == "" {
				t.Errorf("DELETE %s%s/%s = %s, want 404 with a JSON error", prefix, base, unknown, r)
			}
		}
	}
}

// TestV1Locations: a create of one entity on /v1 (an object, or an array
// of one) answers 201 with a Location that GET answers with the entity;
// for the plural paths it is /v1/<plural>/<id>.
func TestV1Locations(t *testing.T) {
	a := sharedAPI(t)
	c := newCatalog(a, 1, 10, 100)
	bare := a.ids("/products", map[string]any{"name": "Bare", "price": 1})[0]
	order := a.ids("/orders", c.order(c.products[0]))[0]
	for _, tc := range []struct {
		path string
		body any
		want []string // acceptable Location prefixes
	}{
		{"/customers", []map[string]any{{"name": "Loc", "email": "loc@example.com"}}, []string{"/v1/customers/"}},
		{"/customers", map[string]any{"name": "Loc", "email": "loc@example.com"}, []string{"/v1/customers/"}},
		{"/customer", map[string]any{"name": "Loc", "email": "loc@example.com"}, []string{"/v1/customers/"}},
		{"/products", map[string]any{"name": "Loc", "price": 1}, []string{"/v1/products/"}},
		{"/inventory", map[string]any{"product_id": bare, "amount": 1}, []string{"/v1/inventory/", "/v1/inventories/"}},
		{"/orders", c.order(c.products[0]), []string{"/v1/orders/"}},
		{"/billings", map[string]any{"order_id": order}, []string{"/v1/billings/"}},
	} {
		var ids []string
		r := a.expect(http.MethodPost, v1+tc.path, tc.body, http.StatusCreated, &ids)
		loc := r.header.Get(hdrLocation)
		if len(ids) != 1 || !slices.ContainsFunc(tc.want, func(p string) bool { return loc == p+ids[0] }) {
			t.Errorf("POST /v1%s = %s with Location %q, want one id and Location %v<id>", tc.path, r, loc, tc.want)
			continue
		}
		var got map[string]any
		a.expect(http.MethodGet, loc, nil, http.StatusOK, &got)
		if got["id"] != ids[0] {
			t.Errorf("GET %s = %v, want the new entity", loc, got)
		}
	}
}
