package tests

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
)

// TestConcurrentOrdersNeverOversell sends 40 orders of one unit at once
// for a product with 10 on stock: exactly 10 are accepted, the others are
// refused (409) or rejected, and the stock ends at zero.
func TestConcurrentOrdersNeverOversell(t *testing.T) {
	freshRedis(t)
	rdb := srv.Client(t)
	a := api{t: t, base: newShop(t).startAll()}
	cid := a.create("/v1/customers", map[string]any{"name": "Ann", "email": "ann@example.com"})[0]
	pid := a.create("/v1/products", map[string]any{"name": "Rare", "price": 100})[0]
	a.create("/v1/inventory", map[string]any{"product_id": pid, "amount": 10})

	body, _ := json.Marshal(map[string]any{"customer_id": cid, "product_ids": []string{pid}})
	var wg sync.WaitGroup
	codes := make([]int, 40)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(a.base+"/v1/orders", "application/json", bytesReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	refused := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
		case http.StatusConflict:
			refused++
		default:
			t.Fatalf("POST /orders answered %d", c)
		}
	}
	orders := waitOrders(t, a)
	settle(t, rdb)
	status := map[string]int{}
	for _, o := range orders {
		status[o.Status]++
	}
	if status[model.StatusAccepted] != 10 || status[model.StatusRejected]+refused != 30 || len(orders)+refused != 40 {
		t.Errorf("accepted %d, rejected %d, refused %d; want 10 accepted and 30 rejected or refused",
			status[model.StatusAccepted], status[model.StatusRejected], refused)
	}
	var rep report
	a.get("/report", &rep)
	if rep.Stock[pid] != 0 {
		t.Errorf("stock = %d, want 0", rep.Stock[pid])
	}
	t.Logf("accepted %d, rejected %d, refused with 409: %d", status[model.StatusAccepted], status[model.StatusRejected], refused)
}
