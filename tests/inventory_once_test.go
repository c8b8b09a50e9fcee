package tests

import (
	"net/http"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
)

// TestOneInventoryEntryPerProduct: a product gets one inventory entry,
// however the second is asked for: in the same array as the first (409,
// nothing written), or by ten clients at once (one 201, the others 409,
// one inventory.created).
func TestOneInventoryEntryPerProduct(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	twice := a.ids("/products", map[string]any{"name": "Twice", "price": 1})[0]
	body := []map[string]any{{"product_id": twice, "amount": 1}, {"product_id": twice, "amount": 2}}
	for _, path := range []string{"/inventory", v1 + "/inventory"} {
		if r := a.sendJSON(http.MethodPost, path, body); r.code != http.StatusConflict || r.errorMessage() == "" {
			t.Errorf("POST %s of two entries for one product = %s, want 409 with a JSON error", path, r)
		}
	}
	if n := countEvents(t, rdb, model.InventoryCreated, "product_id", twice); n != 0 {
		t.Errorf("%d inventory.created events for the refused array, want 0", n)
	}

	raced := a.ids("/products", map[string]any{"name": "Raced", "price": 1})[0]
	one := mustJSON(t, map[string]any{"product_id": raced, "amount": 3})
	created := raceCreate(t, a, 10, v1+"/inventory", one)
	if n := countEvents(t, rdb, model.InventoryCreated, "product_id", raced); created != 1 || n != 1 {
		t.Errorf("10 racing POST /v1/inventory for one product: %d answered 201, %d inventory.created; want 1 and 1", created, n)
	}
}
