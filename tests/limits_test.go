package tests

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/internal/shop/model"
)

// TestInputLimitsAccepted: what lies on a limit is accepted and comes back
// exactly: names of 200 code points, an e-mail of 254 bytes, an order of
// 1,000 product ids, price and amount 0 and 9223372036854775807, a batch
// of 1,000 entities.
func TestInputLimitsAccepted(t *testing.T) {
	a := sharedAPI(t)
	c := newCatalog(a, 1, 7, 1_000_000)

	t.Run("names of 200 code points and an e-mail of 254 bytes", func(t *testing.T) {
		a := a.on(t)
		for _, name := range []string{strings.Repeat("n", 200), strings.Repeat("\u00e9", 200), "Zoë O'Brien-Łukasz 山田"} {
			email := strings.Repeat("e", 254-len("@example.com")) + "@example.com"
			id := a.ids("/customers", map[string]any{"name": name, "email": email})[0]
			var got wCustomer
			a.expect(http.MethodGet, v1+"/customers/"+id, nil, http.StatusOK, &got)
			if got.Name != name || got.Email != email {
				t.Errorf("customer read back as %q <%s>, want %q <%s>", got.Name, got.Email, name, email)
			}
			pid := a.ids("/products", map[string]any{"name": name, "price": 1})[0]
			var prod wProduct
			a.expect(http.MethodGet, v1+"/products/"+pid, nil, http.StatusOK, &prod)
			if prod.Name != name {
				t.Errorf("product name read back as %q, want %q", prod.Name, name)
			}
		}
	})

	t.Run("order of 1,000 product ids", func(t *testing.T) {
		a := a.on(t)
		p := c.products[0]
		before := inventoryAmount(a, c.inventory[0])
		id := a.ids("/orders", c.order(units(p, 1000)...))[0]
		var o wOrder
		a.expect(http.MethodGet, v1+"/orders/"+id, nil, http.StatusOK, &o)
		if len(o.ProductIDs) != 1000 || o.Status != model.StatusAccepted {
			t.Errorf("order read back with %d product ids, status %q; want 1000, accepted", len(o.ProductIDs), o.Status)
		}
		if got := inventoryAmount(a, c.inventory[0]); got != before-1000 {
			t.Errorf("stock %d after an order of 1,000 units, want %d", got, before-1000)
		}
	})

	t.Run("price and amount 0 and the largest int64", func(t *testing.T) {
		a := a.on(t)
		for _, n := range []int64{0, math.MaxInt64} {
			raw := strconv.FormatInt(n, 10)
			var ids []string
			a.expect(http.MethodPost, v1+"/products", json.RawMessage(`{"name":"Edge","price":`+raw+`}`), http.StatusCreated, &ids)
			r := a.expect(http.MethodGet, v1+"/products/"+ids[0], nil, http.StatusOK, nil)
			if !strings.Contains(string(r.body), `"price":`+raw) {
				t.Errorf("product priced %s read back as %s", raw, r)
			}
			var inv []string
			a.expect(http.MethodPost, v1+"/inventory", json.RawMessage(`{"product_id":"`+ids[0]+`","amount":`+raw+`}`), http.StatusCreated, &inv)
			r = a.expect(http.MethodGet, v1+"/inventory/"+inv[0], nil, http.StatusOK, nil)
			if !strings.Contains(string(r.body), `"amount":`+raw) {
				t.Errorf("inventory of %s units read back as %s", raw, r)
			}
		}
	})

	t.Run("batch of 1,000 customers", func(t *testing.T) {
		a := a.on(t)
		batch := make([]map[string]any, 1000)
		for i := range batch {
			batch[i] = map[string]any{"name": "Batch " + strconv.Itoa(i), "email": "b" + strconv.Itoa(i) + "@example.com"}
		}
		if ids := a.ids("/customers", batch); len(ids) != 1000 {
			t.Errorf("POST of 1,000 customers answered %d ids", len(ids))
		}
	})
}

// limitCase is one request that breaks a limit of the contract.
type limitCase struct {
	name, method, path, body string
	// field must appear in the error message of a 400.
	field string
	want  int
}

// TestInputLimits: every input limit of the contract answers 400 with a
// message naming the field (413 for a body over 1 MiB), on both dialects,
// and writes nothing to any events:* stream.
func TestInputLimits(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c := newCatalog(a, 1, 100, 1_000_000)
	bare := a.ids("/products", map[string]any{"name": "No stock yet", "price": 1})[0]
	p, inv := c.products[0], c.inventory[0]
	var cases []limitCase
	add := func(name, method, path, field string, want int, body any) {
		raw, ok := body.(string)
		if !ok {
			b, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			raw = string(b)
		}
		cases = append(cases, limitCase{name, method, path, raw, field, want})
	}
	customer := func(name, email string) map[string]any { return map[string]any{"name": name, "email": email} }
	post := http.MethodPost

	for _, n := range []struct {
		what, name string
	}{
		{"500,000 characters", strings.Repeat("n", 500_000)},
		{"201 characters", strings.Repeat("n", 201)},
		{"201 code points", strings.Repeat("\u00e9", 201)},
		{"empty", ""},
		{"blank", "   "},
		{"NUL", "Ann\x00"},
		{"U+001F", "Ann\x1f"},
		{"newline", "Ann\nBob"},
		{"tab", "Ann\tBob"},
		{"DEL", "Ann\x7f"},
		{"U+0085", "Ann\u0085"},
		{"U+009F", "Ann\u009f"},
	} {
		add("customer name "+n.what, post, v1+"/customers", "name", 400, customer(n.name, "ann@example.com"))
		add("product name "+n.what, post, v1+"/products", "name", 400, map[string]any{"name": n.name, "price": 1})
	}
	add("seed dialect: customer name 201 characters", post, "/customers", "name", 400, customer(strings.Repeat("n", 201), "ann@example.com"))
	add("customer name 201 characters on PUT", http.MethodPut, v1+"/customer/"+c.customer, "name", 400, customer(strings.Repeat("n", 201), "ann@example.com"))
	add("product name NUL on PUT", http.MethodPut, v1+"/product/"+p, "name", 400, map[string]any{"name": "Pen\x00", "price": 1})

	for _, e := range []struct{ what, email string }{
		{"255 bytes", strings.Repeat("e", 255-len("@example.com")) + "@example.com"},
		{"without @", "ann.example.com"},
		{"empty local part", "@example.com"},
		{"empty domain", "ann@"},
		{"a space", "a nn@example.com"},
		{"NUL", "ann\x00@example.com"},
		{"empty", ""},
	} {
		add("email "+e.what, post, v1+"/customers", "email", 400, customer("Ann", e.email))
	}

	long := strings.Repeat("i", 101)
	add("customer_id of 101 characters", post, v1+"/orders", "customer_id", 400, map[string]any{"customer_id": long, "product_ids": []string{p}})
	add("product id of 101 characters", post, v1+"/orders", "product_id", 400, c.order(long))
	add("product id with NUL", post, v1+"/orders", "product_id", 400, c.order(p+"\x00"))
	add("order of 1,001 products", post, v1+"/orders", "product_id", 400, c.order(units(p, 1001)...))
	add("order of 1,001 products on PUT", http.MethodPut, v1+"/order/"+a.ids("/orders", c.order(p))[0], "product_id", 400, c.order(units(p, 1001)...))
	add("seed dialect: order of 1,001 products", post, "/orders", "product_id", 400, c.order(units(p, 1001)...))
	add("order_id of 101 characters", post, v1+"/billings", "order_id", 400, map[string]any{"order_id": long})
	add("inventory product_id of 101 characters", post, v1+"/inventory", "product_id", 400, map[string]any{"product_id": long, "amount": 1})

	for _, n := range []string{"1e308", "99999999999999999999", "9223372036854775808", "12.5", "-1", "1e2", "1.0", `"5"`, "null"} {
		add("price "+n, post, v1+"/products", "price", 400, `{"name":"Pen","price":`+n+`}`)
		add("amount "+n, post, v1+"/inventory", "amount", 400, `{"product_id":"`+bare+`","amount":`+n+`}`)
	}
	add("price 1e308 on PUT", http.MethodPut, v1+"/product/"+p, "price", 400, `{"name":"Pen","price":1e308}`)
	add("amount -1 on PUT", http.MethodPut, v1+"/inventory/"+inv, "amount", 400, `{"product_id":"`+p+`","amount":-1}`)
	add("seed dialect: price 12.5", post, "/products", "price", 400, `{"name":"Pen","price":12.5}`)
	add("email without @ on PUT", http.MethodPut, v1+"/customer/"+c.customer, "email", 400, customer("Ann", "ann.example.com"))
	add("amount 1e308 on PUT", http.MethodPut, v1+"/inventory/"+inv, "amount", 400, `{"product_id":"`+p+`","amount":1e308}`)
	add("customer_id of 101 characters on PUT", http.MethodPut, v1+"/order/"+a.ids("/orders", c.order(p))[0], "customer_id", 400,
		map[string]any{"customer_id": long, "product_ids": []string{p}})
	add("body id of 101 characters on PUT", http.MethodPut, v1+"/product/"+p, "id", 400, map[string]any{"id": long, "name": "Pen", "price": 1})
	add("seed dialect: email of 255 bytes on PUT", http.MethodPut, "/customer/"+c.customer, "email", 400,
		customer("Ann", strings.Repeat("e", 255-len("@example.com"))+"@example.com"))

	var batch []map[string]any
	for i := range 1001 {
		batch = append(batch, customer("Ann", "ann"+strconv.Itoa(i)+"@example.com"))
	}
	add("batch of 1,001 customers", post, v1+"/customers", "", 400, batch)
	add("body over 1 MiB", post, v1+"/customers", "", 413, customer(strings.Repeat("n", 1<<20), "ann@example.com"))

	settle(t, rdb)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { checkLimit(a.on(t), tc) })
	}
}

// checkLimit sends one limit case and checks its answer and that the
// event log did not change.
func checkLimit(a api, tc limitCase) {
	t := a.t
	rdb := kit.Client(t)
	before := streamLens(t, rdb)
	r := a.send(tc.method, tc.path, tc.body)
	msg := r.errorMessage()
	switch {
	case r.code != tc.want || msg == "":
		t.Errorf("%s %s = %s, want %d with a JSON error", tc.method, tc.path, r, tc.want)
	case tc.field != "" && !strings.Contains(strings.ToLower(msg), tc.field):
		t.Errorf("%s %s = %s: the message does not name %q", tc.method, tc.path, r, tc.field)
	}
	if r.code/100 == 2 {
		settle(t, rdb) // it was accepted: let its reactions finish before the next case
	}
	if diff := cmp.Diff(before, streamLens(t, rdb)); diff != "" {
		t.Errorf("a rejected request wrote events (-before +after):\n%s", diff)
	}
}
