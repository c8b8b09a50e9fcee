package tests

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// TestSeedScenario plays the seed's client: customers, products, stock and
// orders, then an update, deletions and a payment, and checks every view.
func TestSeedScenario(t *testing.T) {
	s, a, rdb := ownShop(t)
	rng := rand.New(rand.NewPCG(1, 2))

	var customers []map[string]any
	var products []map[string]any
	for i := range 10 {
		customers = append(customers, map[string]any{"name": fmt.Sprintf("Customer %d", i), "email": fmt.Sprintf("c%d@example.com", i)})
		products = append(products, map[string]any{"name": fmt.Sprintf("Product %d", i), "price": (i + 1) * 150})
	}
	cids, pids := a.create("/v1/customers", customers), a.create("/v1/products", products)
	var inventory []map[string]any
	for _, p := range pids {
		inventory = append(inventory, map[string]any{"product_id": p, "amount": 100})
	}
	a.create("/v1/inventory", inventory)
	oids := make([]string, 10)
	orders := make([][]string, 10)
	for i := range oids {
		for range 1 + rng.IntN(10) {
			orders[i] = append(orders[i], pids[rng.IntN(len(pids))])
		}
		oids[i] = a.create("/v1/orders", map[string]any{"customer_id": cids[i], "product_ids": orders[i]})[0]
	}
	for _, o := range waitOrders(t, a) {
		if o.Status != model.StatusAccepted {
			t.Fatalf("order %s is %s, want accepted", o.ID, o.Status)
		}
	}

	// Change the second order's first product.
	orders[1][0] = pids[(indexOf(pids, orders[1][0])+1)%len(pids)]
	a.call(http.MethodPut, "/v1/order/"+oids[1], map[string]any{"customer_id": cids[1], "product_ids": orders[1]}, http.StatusOK, nil)
	waitOrders(t, a)
	// Every reaction to the orders first (billing's payment request for
	// order 2 looks its customer up): a customer deleted before billing
	// got to its order's verdict gets no mail, by design.
	settle(t, rdb)
	a.call(http.MethodDelete, "/v1/order/"+oids[2], nil, http.StatusOK, nil)
	a.call(http.MethodDelete, "/v1/customer/"+cids[2], nil, http.StatusOK, nil)
	a.create("/v1/billings", map[string]any{"order_id": oids[0]})
	settle(t, rdb)

	var rep report
	a.get("/report", &rep)
	t.Run("unbilled", func(t *testing.T) {
		var unbilled []model.Order
		a.get("/orders/unbilled", &unbilled)
		if len(unbilled) != 8 {
			t.Errorf("unbilled has %d orders, want 8", len(unbilled))
		}
		if diff := cmp.Diff(unbilled, rep.Unbilled); diff != "" {
			t.Errorf("report.unbilled (-list +report):\n%s", diff)
		}
	})
	t.Run("report agrees with lists", func(t *testing.T) {
		sameList(t, "/customers", listAll[model.Customer](a, "/customers"), rep.Customers)
		sameList(t, "/products", listAll[model.Product](a, "/products"), rep.Products)
		sameList(t, "/inventory", listAll[model.Inventory](a, "/inventory"), rep.Inventory)
		sameList(t, "/orders", listAll[model.Order](a, "/orders"), rep.Orders)
		sameList(t, "/billings", listAll[model.Billing](a, "/billings"), rep.Billings)
		sameList(t, "/mails", listAll[model.Mail](a, "/mails"), rep.Mails)
		if len(rep.Customers) != 9 || len(rep.Orders) != 9 || len(rep.Billings) != 1 {
			t.Errorf("report has %d customers, %d orders, %d billings; want 9, 9, 1", len(rep.Customers), len(rep.Orders), len(rep.Billings))
		}
	})
	t.Run("stock", func(t *testing.T) {
		want := map[string]int64{}
		for _, p := range pids {
			want[p] = 100
		}
		for i, o := range orders {
			if i == 2 {
				continue
			}
			for _, p := range o {
				want[p]--
			}
		}
		if diff := cmp.Diff(want, rep.Stock); diff != "" {
			t.Errorf("stock (-want +got):\n%s", diff)
		}
	})
	t.Run("mails", func(t *testing.T) {
		want := map[string]int{
			model.MailWelcome: 10, model.MailGoodbye: 1, model.MailThankYou: 10,
			model.MailPaymentRequest: 11, model.MailPaymentReceived: 1,
		}
		if diff := cmp.Diff(want, countKinds(rep.Mails)); diff != "" {
			t.Errorf("mails by kind (-want +got):\n%s", diff)
		}
		seen := map[string]bool{}
		for _, m := range rep.Mails {
			if m.To == "" || m.Subject == "" || m.Body == "" || m.CauseEventID == "" || seen[m.ID] {
				t.Errorf("mail %+v: want to, subject, body, cause and a unique id", m)
			}
			seen[m.ID] = true
		}
	})
	t.Run("rebuild from the log", func(t *testing.T) { rebuilt(t, s, a, rep) })
}

// sameList fails t unless the paged /v1 list holds what the report's
// does (the report's order is not the contract's: compared by id).
func sameList[T any](t *testing.T, path string, list, inReport []T) {
	t.Helper()
	byID := cmpopts.SortSlices(func(x, y T) bool { return jsonID(x) < jsonID(y) })
	if diff := cmp.Diff(list, inReport, byID); diff != "" {
		t.Errorf("GET /v1%s vs report (-list +report):\n%s", path, diff)
	}
}

// jsonID is the "id" of v as JSON.
func jsonID(v any) string {
	raw, _ := json.Marshal(v)
	var e struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &e)
	return e.ID
}

// rebuilt checks that the read model rebuilt from the log by
// "projector rebuild" answers the same report.
func rebuilt(t *testing.T, s *shopkit.Shop, a api, want report) {
	s.Stop("projector", stopTimeout)
	if out := s.RunOnce("projector", "rebuild"); !strings.Contains(out, "rebuilt from") {
		t.Errorf("projector rebuild said %q", out)
	}
	s.StartHealthy("projector")
	var got report
	a.get("/report", &got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("report after rebuild (-before +after):\n%s", diff)
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// TestRebuildAfterNewCommands: after the commands the contract added (a
// billing re-issued and cancelled and paid again, an inventory amount set,
// orders updated and deleted, a customer deleted), the read model rebuilt
// from the log answers the same report.
func TestRebuildAfterNewCommands(t *testing.T) {
	s, a, rdb := ownShop(t)
	c := newCatalog(a, 2, 10, 50)
	p, q := c.products[0], c.products[1]
	paid := a.ids("/orders", c.order(p, q))[0]
	changed := a.ids("/orders", c.order(p))[0]
	dropped := a.ids("/orders", c.order(q, q))[0]
	bid := a.ids("/billings", map[string]any{"order_id": paid})[0]
	a.expect(http.MethodPut, v1+"/product/"+p, map[string]any{"name": "Item 0", "price": 12}, http.StatusOK, nil)
	a.expect(http.MethodPut, v1+"/billing/"+bid, map[string]any{"order_id": paid}, http.StatusOK, nil)
	a.expect(http.MethodDelete, v1+"/billing/"+bid, nil, http.StatusOK, nil)
	a.ids("/billings", map[string]any{"order_id": paid})
	a.expect(http.MethodPut, v1+"/order/"+changed, c.order(p, p, q), http.StatusOK, nil)
	a.expect(http.MethodDelete, v1+"/order/"+dropped, nil, http.StatusOK, nil)
	a.expect(http.MethodPut, v1+"/inventory/"+c.inventory[1], map[string]any{"product_id": q, "amount": 40}, http.StatusOK, nil)
	gone := a.ids("/customers", map[string]any{"name": "Gone", "email": "gone@example.com"})[0]
	a.expect(http.MethodDelete, v1+"/customer/"+gone, nil, http.StatusOK, nil)
	settle(t, rdb)
	var rep report
	a.get("/report", &rep)
	if len(rep.Billings) != 1 || len(rep.Orders) != 2 || len(rep.Unbilled) != 1 {
		t.Errorf("report has %d billings, %d orders, %d unbilled; want 1, 2, 1", len(rep.Billings), len(rep.Orders), len(rep.Unbilled))
	}
	rebuilt(t, s, a, rep)
}
