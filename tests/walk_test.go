package tests

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// TestSeedClientWalk plays the seed's own client (client.py of the
// blog-era OrderShop) on the seed's paths with its expectations: every
// answer is exactly 200, a POST answers the array of new ids, and GET of
// a deleted entity answers 200 with the body null.
func TestSeedClientWalk(t *testing.T) {
	walk(t, freshSharedAPI(t), seedWalk)
}

// TestV1Walk is the same walk on the REST dialect: 201 and a Location on
// create, 404 on GET of a deleted entity, paged lists.
func TestV1Walk(t *testing.T) {
	walk(t, freshSharedAPI(t), v1Walk)
}

// The dialects of the walks: the seed's, and the REST one.
var (
	seedWalk = dialect{prefix: "", created: http.StatusOK}
	v1Walk   = dialect{prefix: v1, created: http.StatusCreated, rest: true}
)

// dialect is what a walk expects of one dialect.
type dialect struct {
	prefix  string
	created int
	rest    bool
}

// walker is one client walking the shop in one dialect.
type walker struct {
	t   *testing.T
	a   api
	d   dialect
	rng *rand.Rand
}

// walkPageSize is the limit of the REST walk's lists: small, so that
// every list of ten spans several pages.
const walkPageSize = 3

// walk walks the shop a serves (on an empty Redis) in dialect d.
func walk(t *testing.T, a api, d dialect) {
	w := walker{t: t, a: a, d: d, rng: rand.New(rand.NewPCG(10, 20))}

	var customers []map[string]any
	for range 10 {
		name := w.lowerName()
		customers = append(customers, map[string]any{"name": strings.ToUpper(name[:1]) + name[1:], "email": name + "@server.com"})
	}
	wantLen(t, w.create("/customers", customers), 10, "POST /customers ids")
	var cs []wCustomer
	w.list("/customers", &cs)
	wantLen(t, cs, 10, "customers")

	var products []map[string]any
	for range 10 {
		name := w.lowerName()
		products = append(products, map[string]any{"name": strings.ToUpper(name[:1]) + name[1:], "price": 10 + w.rng.IntN(991)})
	}
	wantLen(t, w.create("/products", products), 10, "POST /products ids")
	var ps []wProduct
	w.list("/products", &ps)
	wantLen(t, ps, 10, "products")

	var inventory []map[string]any
	for _, p := range ps {
		inventory = append(inventory, map[string]any{"product_id": p.ID, "amount": 100})
	}
	wantLen(t, w.create("/inventory", inventory), 10, "POST /inventory ids")
	var inv []wInventory
	w.list("/inventory", &inv)
	wantLen(t, inv, 10, "inventory entries")

	w.list("/customers", &cs)
	w.list("/products", &ps)
	for range 10 {
		var pids []string
		for range 1 + w.rng.IntN(10) {
			pids = append(pids, ps[w.rng.IntN(len(ps))].ID)
		}
		ids := w.create("/orders", map[string]any{"product_ids": pids, "customer_id": cs[w.rng.IntN(len(cs))].ID})
		wantLen(t, ids, 1, "POST /orders ids")
	}
	var orders []map[string]any
	w.list("/orders", &orders)
	wantLen(t, orders, 10, "orders")
	for _, o := range orders {
		if o["status"] != "accepted" {
			t.Errorf("order %v is %v, want accepted (stock 100 of each product)", o["id"], o["status"])
		}
	}

	w.updateSecondOrder(ps)
	w.list("/orders", &orders)
	w.deleteAndGone("/order/", orders[2]["id"].(string))
	w.list("/customers", &cs)
	w.deleteAndGone("/customer/", cs[2].ID)

	w.list("/orders", &orders)
	billing := w.create("/billing", map[string]any{"order_id": orders[0]["id"]})
	wantLen(t, billing, 1, "POST /billing ids")
	var unbilled []wOrder
	w.list("/orders/unbilled", &unbilled)
	wantLen(t, unbilled, 8, "unbilled orders")

	var rep map[string]json.RawMessage
	w.a.expect(http.MethodGet, d.prefix+"/report", nil, http.StatusOK, &rep)
	for key, n := range map[string]int{"customers": 9, "products": 10, "inventory": 10, "orders": 9} {
		var items []json.RawMessage
		if err := json.Unmarshal(rep[key], &items); err != nil {
			t.Errorf("report %q = %.200s: %v", key, rep[key], err)
		}
		if len(items) != n {
			t.Errorf("report has %d %s, want %d", len(items), key, n)
		}
	}
}

// updateSecondOrder changes the second order's first product and PUTs the
// order back as it was read (with id and status); GET shows the change.
func (w walker) updateSecondOrder(ps []wProduct) {
	w.t.Helper()
	var orders []map[string]any
	w.list("/orders", &orders)
	o := orders[1]
	pids := o["product_ids"].([]any)
	other := pids[0]
	for other == pids[0] {
		other = ps[w.rng.IntN(len(ps))].ID
	}
	pids[0] = other
	id := o["id"].(string)
	var stored wOrder
	w.a.expect(http.MethodPut, w.d.prefix+"/order/"+id, o, http.StatusOK, &stored)
	if len(stored.ProductIDs) == 0 || stored.ProductIDs[0] != other {
		w.t.Errorf("PUT /order/%s answered %+v, want product_ids[0] = %v", id, stored, other)
	}
	var got wOrder
	w.a.expect(http.MethodGet, w.d.prefix+"/order/"+id, nil, http.StatusOK, &got)
	if len(got.ProductIDs) == 0 || got.ProductIDs[0] != other {
		w.t.Errorf("GET /order/%s after the PUT = %+v, want product_ids[0] = %v", id, got, other)
	}
}

// deleteAndGone DELETEs base+id (200 with the entity as it was) and
// checks that GET of it answers as the dialect says for a deleted id.
func (w walker) deleteAndGone(base, id string) {
	w.t.Helper()
	var was map[string]any
	w.a.expect(http.MethodDelete, w.d.prefix+base+id, nil, http.StatusOK, &was)
	if was["id"] != id {
		w.t.Errorf("DELETE %s%s answered %v, want the entity", base, id, was)
	}
	r := w.a.send(http.MethodGet, w.d.prefix+base+id, "")
	switch {
	case w.d.rest && (r.code != http.StatusNotFound || r.errorMessage() == ""):
		w.t.Errorf("GET %s%s%s after DELETE = %s, want 404 with a JSON error", w.d.prefix, base, id, r)
	case !w.d.rest && (r.code != http.StatusOK || !r.null()):
		w.t.Errorf("GET %s%s after DELETE = %s, want 200 null", base, id, r)
	}
}

// create POSTs v and returns the new ids. On the REST dialect a create
// of one entity (the walk's orders and billing) carries Location
// /v1/<plural>/<id>, and GET of it answers the entity.
func (w walker) create(path string, v any) []string {
	w.t.Helper()
	var ids []string
	r := w.a.expect(http.MethodPost, w.d.prefix+path, v, w.d.created, &ids)
	if !w.d.rest || len(ids) != 1 {
		return ids
	}
	loc := r.header.Get(hdrLocation)
	if want := v1 + strings.TrimSuffix(path, "s") + "s/" + ids[0]; loc != want {
		w.t.Errorf("POST %s%s: Location %q, want %q", v1, path, loc, want)
		return ids
	}
	var got map[string]any
	w.a.expect(http.MethodGet, loc, nil, http.StatusOK, &got)
	if got["id"] != ids[0] {
		w.t.Errorf("GET %s = %v, want the new entity", loc, got)
	}
	return ids
}

// list reads a whole list into out: on the seed dialect one array, on
// the REST dialect every page.
func (w walker) list(path string, out any) {
	w.t.Helper()
	if !w.d.rest {
		w.a.expect(http.MethodGet, path, nil, http.StatusOK, out)
		return
	}
	items, pages := walkPages(w.a, path, walkPageSize, walkPageSize)
	if want := (len(items) + walkPageSize - 1) / walkPageSize; pages < want {
		w.t.Errorf("GET /v1%s: %d items on %d pages of at most %d", path, len(items), pages, walkPageSize)
	}
	raw, err := json.Marshal(items)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		w.t.Fatalf("GET /v1%s items: %v", path, err)
	}
}

// lowerName is a random name of 5 to 10 lowercase letters.
func (w walker) lowerName() string {
	b := make([]byte, 5+w.rng.IntN(6))
	for i := range b {
		b[i] = byte('a' + w.rng.IntN(26))
	}
	return string(b)
}

// wantLen fails the test unless s has n elements.
func wantLen[T any](t *testing.T, s []T, n int, what string) {
	t.Helper()
	if len(s) != n {
		t.Fatalf("%s: %d, want %d", what, len(s), n)
	}
}
