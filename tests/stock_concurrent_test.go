package tests

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
)

// TestStockUnderConcurrentCommands: eight clients at once create, update
// and delete orders on five products of 30 units (more units asked than
// there are); afterwards every product's amount on GET /inventory is 30
// minus the units of its accepted orders, and no order is left pending.
func TestStockUnderConcurrentCommands(t *testing.T) {
	a, rdb := sharedAPI(t), srv.Client(t)
	const initial, clients, commands = 30, 8, 25
	c := newCatalog(a, 5, 2, initial)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- orderChurn(a, c, rand.New(rand.NewPCG(uint64(w), 99)), commands)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	settle(t, rdb)
	want := map[string]int64{}
	for _, p := range c.products {
		want[p] = initial
	}
	var orders []wOrder
	a.expect(http.MethodGet, "/orders", nil, http.StatusOK, &orders)
	statuses := map[string]int{}
	for _, o := range orders {
		if o.CustomerID != c.customer {
			continue
		}
		statuses[o.Status]++
		if o.Status == model.StatusAccepted {
			for _, p := range o.ProductIDs {
				want[p]--
			}
		}
	}
	if statuses[model.StatusPending] > 0 {
		t.Errorf("%d orders still pending after the shop settled", statuses[model.StatusPending])
	}
	for i, p := range c.products {
		if got := inventoryAmount(a, c.inventory[i]); got != want[p] {
			t.Errorf("product %d: amount %d, want %d (initial %d minus units in accepted orders)", i, got, want[p], initial)
		}
	}
	t.Logf("orders by status: %v", statuses)
}

// orderChurn sends n commands: mostly new orders of 1 to 3 random units,
// then and again an update or a deletion of one of its own orders. 409
// (out of stock) is a valid answer to a create or an update.
func orderChurn(a api, c catalog, rng *rand.Rand, n int) error {
	pick := func() string {
		var ps []string
		for range 1 + rng.IntN(3) {
			ps = append(ps, c.products[rng.IntN(len(c.products))])
		}
		raw, _ := json.Marshal(c.order(ps...))
		return string(raw)
	}
	var mine []string
	for range n {
		var r reply
		var err error
		switch k := rng.IntN(6); {
		case k == 0 && len(mine) > 0:
			i := rng.IntN(len(mine))
			r, err = a.trySend(http.MethodDelete, v1+"/order/"+mine[i], "")
			mine = append(mine[:i], mine[i+1:]...)
		case k == 1 && len(mine) > 0:
			r, err = a.trySend(http.MethodPut, v1+"/order/"+mine[rng.IntN(len(mine))], pick())
		default:
			r, err = a.trySend(http.MethodPost, v1+"/orders", pick())
			var ids []string
			if err == nil && r.code == http.StatusCreated && json.Unmarshal(r.body, &ids) == nil {
				mine = append(mine, ids...)
			}
		}
		if err != nil {
			return err
		}
		if r.code/100 != 2 && r.code != http.StatusConflict {
			return fmt.Errorf("order churn: answer %s", r)
		}
	}
	return nil
}
