package tests

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/internal/shop/model"
)

// TestReadYourWritesWaitsForVerdicts: an order or stock query waits until
// the inventory function has decided every order published before it,
// bounded at 2 s; with the inventory function stopped, the query answers
// after the bound with X-Read-Stale: true, and once it runs again the same
// query answers the verdict, fresh.
func TestReadYourWritesWaitsForVerdicts(t *testing.T) {
	s, a, _ := ownShop(t)
	c := newCatalog(a, 1, 5, 10)
	s.Stop("inventory", stopTimeout)
	id := a.ids("/orders", c.order(c.products[0], c.products[0]))[0]

	for _, path := range []string{v1 + "/orders/" + id, "/inventory/" + c.inventory[0], v1 + "/orders?limit=10"} {
		start := time.Now()
		r := a.expect(http.MethodGet, path, nil, http.StatusOK, nil)
		took := time.Since(start)
		if r.header.Get(hdrStale) != "true" || took < 1500*time.Millisecond || took > 6*time.Second {
			t.Errorf("GET %s with the inventory function stopped: %s: %s after %s, want %s: true after about 2 s",
				path, hdrStale, r.header.Get(hdrStale), took.Round(time.Millisecond), hdrStale)
		}
	}

	s.StartHealthy("inventory")
	var o wOrder
	r := a.expect(http.MethodGet, v1+"/orders/"+id, nil, http.StatusOK, &o)
	if o.Status != model.StatusAccepted || r.header.Get(hdrStale) != "" {
		t.Errorf("order once the inventory function runs again: %q (%s %q), want accepted, fresh", o.Status, hdrStale, r.header.Get(hdrStale))
	}
	if got := inventoryAmount(a, c.inventory[0]); got != 8 {
		t.Errorf("stock once the order is decided: %d, want 8", got)
	}
}

// TestCommandsWhileProjectorDown: with the projector stopped, a command
// naming an entity created after it stopped cannot be checked: the gateway
// waits its bound and answers 503 with a JSON error, never 404 (the
// entity exists: its create was answered 201), and writes nothing; once
// the projector runs again, the same command succeeds.
func TestCommandsWhileProjectorDown(t *testing.T) {
	s, a, rdb := ownShop(t)
	c := newCatalog(a, 1, 5, 100)
	settle(t, rdb)
	s.Stop("projector", stopTimeout)
	product := a.ids("/products", map[string]any{"name": "Late", "price": 1})[0]
	customer := a.ids("/customers", map[string]any{"name": "Late", "email": "late@example.com"})[0]
	order := a.ids("/orders", c.order(c.products[0]))[0]
	cmds := []struct {
		what, path string
		body       map[string]any
	}{
		{"inventory of the new product", "/inventory", map[string]any{"product_id": product, "amount": 5}},
		{"order of the new customer", "/orders", map[string]any{"customer_id": customer, "product_ids": []string{c.products[0]}}},
		{"order of the new product", "/orders", c.order(product)},
		{"payment of the new order", "/billings", map[string]any{"order_id": order}},
	}
	settle(t, rdb, "projector") // the new customer's welcome mail, the new order's verdict
	before := streamLens(t, rdb)
	for _, cmd := range cmds {
		r := a.sendJSON(http.MethodPost, v1+cmd.path, cmd.body)
		if r.code != http.StatusServiceUnavailable || r.errorMessage() == "" {
			t.Errorf("%s with the projector stopped: POST /v1%s = %s, want 503 with a JSON error (not 404: it exists)", cmd.what, cmd.path, r)
		}
	}
	if diff := cmp.Diff(before, streamLens(t, rdb)); diff != "" {
		t.Errorf("commands answered while the projector was down wrote events (-before +after):\n%s", diff)
	}
	s.StartHealthy("projector")
	for _, cmd := range cmds {
		a.expect(http.MethodPost, v1+cmd.path, cmd.body, http.StatusCreated, nil)
	}
}

// TestCRMCatchesUp stops crm, creates customers and orders, starts crm
// again and expects exactly the missed welcome and thank-you mails.
func TestCRMCatchesUp(t *testing.T) {
	s, a, rdb := ownShop(t)
	pid := a.create("/v1/products", map[string]any{"name": "Pen", "price": 2})[0]
	a.create("/v1/inventory", map[string]any{"product_id": pid, "amount": 50})
	settle(t, rdb)

	s.Stop("crm", stopTimeout)
	var customers []map[string]any
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		customers = append(customers, map[string]any{"name": n, "email": n + "@example.com"})
	}
	cids := a.create("/v1/customers", customers)
	for i := range 3 {
		a.create("/v1/orders", map[string]any{"customer_id": cids[i], "product_ids": []string{pid, pid}})
	}
	waitOrders(t, a)
	settle(t, rdb, "crm")
	var mails []model.Mail
	a.get("/mails", &mails)
	if diff := cmp.Diff(map[string]int{model.MailPaymentRequest: 3}, countKinds(mails)); diff != "" {
		t.Fatalf("mails while crm is down (-want +got):\n%s", diff)
	}

	s.StartHealthy("crm")
	settle(t, rdb)
	a.get("/mails", &mails)
	want := map[string]int{model.MailPaymentRequest: 3, model.MailWelcome: 5, model.MailThankYou: 3}
	if diff := cmp.Diff(want, countKinds(mails)); diff != "" {
		t.Errorf("mails after crm caught up (-want +got):\n%s", diff)
	}
	perCustomer := map[string]int{}
	for _, m := range mails {
		if m.Kind == model.MailWelcome || m.Kind == model.MailThankYou {
			perCustomer[m.Kind+" "+m.CustomerID]++
		}
	}
	for i, c := range cids {
		if perCustomer[model.MailWelcome+" "+c] != 1 {
			t.Errorf("customer %d got %d welcome mails, want 1", i, perCustomer[model.MailWelcome+" "+c])
		}
		if wantThanks := map[bool]int{true: 1, false: 0}[i < 3]; perCustomer[model.MailThankYou+" "+c] != wantThanks {
			t.Errorf("customer %d got %d thank-you mails, want %d", i, perCustomer[model.MailThankYou+" "+c], wantThanks)
		}
	}
}
