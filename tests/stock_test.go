package tests

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/redis/go-redis/v9"
)

// TestConcurrentOrdersNeverOversell sends 40 orders of one unit at once
// for a product with 10 on stock: exactly 10 are accepted, the others are
// refused (409) or rejected, and the stock ends at zero.
func TestConcurrentOrdersNeverOversell(t *testing.T) {
	_, a, rdb := ownShop(t)
	neverOversell(t, a, rdb)
}

// neverOversell is TestConcurrentOrdersNeverOversell on the shop a serves:
// while the 40 orders race, the product's stock is sampled and must
// never be below zero.
func neverOversell(t *testing.T, a api, rdb redis.UniversalClient) {
	t.Helper()
	cat := newCatalog(a, 1, 100, 10)
	pid := cat.products[0]

	body, _ := json.Marshal(cat.order(pid))
	sampling, samples := make(chan struct{}), make(chan []int64, 1)
	go func() { samples <- sampleStock(rdb, pid, sampling) }()
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
	close(sampling)
	levels := <-samples
	for _, n := range levels {
		if n < 0 {
			t.Errorf("stock sampled at %d during the race, want never below 0", n)
			break
		}
	}
	if len(levels) == 0 {
		t.Error("the stock was never sampled during the race")
	}
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
	t.Logf("accepted %d, rejected %d, refused with 409: %d; stock sampled %d times", status[model.StatusAccepted], status[model.StatusRejected], refused, len(levels))
}

// sampleStock reads product's available stock (shop:stock) until stop
// closes, at most 10,000 times, and returns what it read.
func sampleStock(rdb redis.UniversalClient, product string, stop <-chan struct{}) []int64 {
	var out []int64
	for range 10_000 {
		select {
		case <-stop:
			return out
		default:
		}
		if n, err := rdb.HGet(ctx(), stock.LevelsKey, product).Int64(); err == nil {
			out = append(out, n)
		}
		time.Sleep(time.Millisecond) // a sampling rate, not a synchronisation
	}
	return out
}

// TestStockUnderConcurrentCommands: eight clients at once create, update
// and delete orders on five products of 30 units (more units asked than
// there are); afterwards every product's amount on GET /inventory is 30
// minus the units of its accepted orders, and no order is left pending.
func TestStockUnderConcurrentCommands(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
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

// TestLiveStock follows one product's stock on GET /inventory/{id} of
// both dialects, read right after each command (read-your-writes): 10 on
// stock; an order of 3 units leaves 7; the order updated to 5 units
// leaves 5; an order of more than is left changes nothing; the order
// deleted gives back 10; PUT amount 20 sets 20; a second inventory entry
// for the product is refused with 409; PUT amount 30 while an order holds
// 4 units sets 30, and deleting that order then gives back its 4.
func TestLiveStock(t *testing.T) {
	a := sharedAPI(t)
	c := newCatalog(a, 1, 100, 10)
	p, inv := c.products[0], c.inventory[0]
	want := func(step string, n int64) {
		t.Helper()
		if got := inventoryAmount(a, inv); got != n {
			t.Errorf("%s: GET /inventory/{id} amount %d, want %d", step, got, n)
		}
		for _, path := range []string{"/inventory", v1 + "/inventory?limit=1000", "/report", v1 + "/report"} {
			if got := listedAmount(a, path, inv); got != n {
				t.Errorf("%s: GET %s lists amount %d, want %d", step, path, got, n)
			}
		}
	}
	want("initial", 10)

	order := a.ids("/orders", c.order(p, p, p))[0]
	if s := orderStatus(a, order); s != model.StatusAccepted {
		t.Fatalf("order of 3 of 10 units is %q, want accepted", s)
	}
	want("after an order of 3 units", 7)

	a.expect(http.MethodPut, v1+"/order/"+order, c.order(units(p, 5)...), http.StatusOK, nil)
	if s := orderStatus(a, order); s != model.StatusAccepted {
		t.Fatalf("order updated to 5 of 10 units is %q, want accepted", s)
	}
	want("after the order was updated to 5 units", 5)

	r := a.sendJSON(http.MethodPost, v1+"/orders", c.order(units(p, 6)...))
	switch r.code {
	case http.StatusConflict:
	case http.StatusCreated:
		var ids []string
		if err := json.Unmarshal(r.body, &ids); err != nil || len(ids) != 1 {
			t.Fatalf("POST /v1/orders = %s", r)
		}
		if s := orderStatus(a, ids[0]); s != model.StatusRejected {
			t.Errorf("order of 6 units with 5 left is %q, want rejected (or a 409)", s)
		}
	default:
		t.Fatalf("order of 6 units with 5 left: POST /v1/orders = %s, want 409 or 201 then rejected", r)
	}
	want("after an order of more units than left", 5)

	a.expect(http.MethodDelete, v1+"/order/"+order, nil, http.StatusOK, nil)
	want("after the order was deleted", 10)

	var stored wInventory
	a.expect(http.MethodPut, v1+"/inventory/"+inv, map[string]any{"product_id": p, "amount": 20}, http.StatusOK, &stored)
	if stored.Amount != 20 {
		t.Errorf("PUT /v1/inventory/{id} amount 20 answered %+v", stored)
	}
	want("after PUT amount 20", 20)

	for _, path := range []string{v1 + "/inventory", "/inventory"} {
		if r := a.sendJSON(http.MethodPost, path, map[string]any{"product_id": p, "amount": 5}); r.code != http.StatusConflict || r.errorMessage() == "" {
			t.Errorf("second POST %s for one product = %s, want 409 with a JSON error", path, r)
		}
	}
	want("after the refused second entry", 20)

	held := a.ids("/orders", c.order(units(p, 4)...))[0]
	want("after an order of 4 units", 16)
	a.expect(http.MethodPut, v1+"/inventory/"+inv, map[string]any{"product_id": p, "amount": 30}, http.StatusOK, nil)
	want("after PUT amount 30 with 4 units in an order", 30)
	a.expect(http.MethodDelete, v1+"/order/"+held, nil, http.StatusOK, nil)
	want("after that order was deleted (its 4 units back)", 34)
	var rep struct {
		Stock map[string]int64 `json:"stock"`
	}
	a.expect(http.MethodGet, v1+"/report", nil, http.StatusOK, &rep)
	if rep.Stock[p] != 34 {
		t.Errorf("report's stock of the product = %d, want 34", rep.Stock[p])
	}
}

// listedAmount is the amount of inventory entry id in the list at path:
// the seed's array, the /v1 pages, or a report's inventory.
func listedAmount(a api, path, id string) int64 {
	a.t.Helper()
	var entries []wInventory
	switch path {
	case "/inventory":
		a.expect(http.MethodGet, path, nil, http.StatusOK, &entries)
	case "/report", v1 + "/report":
		var rep struct {
			Inventory []wInventory `json:"inventory"`
		}
		a.expect(http.MethodGet, path, nil, http.StatusOK, &rep)
		entries = rep.Inventory
	default:
		entries = listAll[wInventory](a, "/inventory")
	}
	for _, e := range entries {
		if e.ID == id {
			return e.Amount
		}
	}
	a.t.Fatalf("GET %s does not list inventory %s", path, id)
	return 0
}

// TestStockIsInitialMinusAccepted places 30 random orders (some deleted,
// some updated) on five products of 12 units each; then every product's
// amount on GET /inventory is 12 minus the units of its accepted orders.
func TestStockIsInitialMinusAccepted(t *testing.T) {
	a := sharedAPI(t)
	const initial = 12
	c := newCatalog(a, 5, 3, initial)
	rng := rand.New(rand.NewPCG(3, 4))
	pick := func() []string {
		var ps []string
		for range 1 + rng.IntN(4) {
			ps = append(ps, c.products[rng.IntN(len(c.products))])
		}
		return ps
	}
	var placed []string
	refused := 0
	for i := range 30 {
		r := a.sendJSON(http.MethodPost, v1+"/orders", c.order(pick()...))
		var ids []string
		switch {
		case r.code == http.StatusConflict:
			refused++
			continue
		case r.code != http.StatusCreated || json.Unmarshal(r.body, &ids) != nil || len(ids) != 1:
			t.Fatalf("order %d: POST /v1/orders = %s", i, r)
		}
		placed = append(placed, ids[0])
		switch {
		case i%7 == 3:
			a.expect(http.MethodDelete, v1+"/order/"+ids[0], nil, http.StatusOK, nil)
			placed = placed[:len(placed)-1]
		case i%5 == 1:
			r := a.sendJSON(http.MethodPut, v1+"/order/"+ids[0], c.order(pick()...))
			if r.code != http.StatusOK && r.code != http.StatusConflict {
				t.Fatalf("PUT /v1/order/%s = %s, want 200 or 409", ids[0], r)
			}
		}
	}
	want := map[string]int64{}
	for _, p := range c.products {
		want[p] = initial
	}
	statuses := map[string]int{}
	for _, id := range placed {
		var o wOrder
		a.expect(http.MethodGet, v1+"/orders/"+id, nil, http.StatusOK, &o)
		statuses[o.Status]++
		if o.Status == model.StatusAccepted {
			for _, p := range o.ProductIDs {
				want[p]--
			}
		}
	}
	var entries []wInventory
	a.expect(http.MethodGet, "/inventory", nil, http.StatusOK, &entries)
	for i, p := range c.products {
		got := int64(-1)
		for _, e := range entries {
			if e.ID == c.inventory[i] {
				got = e.Amount
			}
		}
		if got != want[p] {
			t.Errorf("product %d: GET /inventory amount %d, want %d (initial %d minus units in accepted orders)", i, got, want[p], initial)
		}
	}
	t.Logf("orders: %d refused with 409, kept by status %v", refused, statuses)
}

// TestStockReadYourWritesAfterBatch: right after one POST of 200 orders
// of one unit, GET /inventory/{id} shows 200 fewer units, and every one
// of the orders is accepted: the query waited for every verdict.
func TestStockReadYourWritesAfterBatch(t *testing.T) {
	a := sharedAPI(t)
	c := newCatalog(a, 1, 1, 1000)
	batch := make([]map[string]any, 200)
	for i := range batch {
		batch[i] = c.order(c.products[0])
	}
	ids := a.ids("/orders", batch)
	if got := inventoryAmount(a, c.inventory[0]); got != 800 {
		t.Errorf("GET /inventory/{id} right after 200 orders of 1 of 1000 units: amount %d, want 800", got)
	}
	var orders []wOrder
	a.expect(http.MethodGet, "/orders", nil, http.StatusOK, &orders)
	accepted := map[string]bool{}
	for _, o := range orders {
		if o.Status == model.StatusAccepted {
			accepted[o.ID] = true
		}
	}
	for _, id := range ids {
		if !accepted[id] {
			t.Errorf("order %s is not accepted in GET /orders right after the POST", id)
			break
		}
	}
}
