package tests

import (
	"net/http"
	"testing"
)

// TestRebuildAfterNewCommands: after the commands the contract added (a
// billing re-issued and cancelled and paid again, an inventory amount set,
// orders updated and deleted, a customer deleted), the read model rebuilt
// from the log answers the same report.
func TestRebuildAfterNewCommands(t *testing.T) {
	freshRedis(t)
	rdb := srv.Client(t)
	s := newShop(t)
	a := api{t: t, base: s.startAll()}
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
