package tests

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

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
