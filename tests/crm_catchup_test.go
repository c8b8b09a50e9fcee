package tests

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/internal/shop/model"
)

// TestCRMCatchesUp stops crm, creates customers and orders, starts crm
// again and expects exactly the missed welcome and thank-you mails.
func TestCRMCatchesUp(t *testing.T) {
	freshRedis(t)
	rdb := srv.Client(t)
	s := newShop(t)
	a := api{t: t, base: s.startAll()}
	pid := a.create("/v1/products", map[string]any{"name": "Pen", "price": 2})[0]
	a.create("/v1/inventory", map[string]any{"product_id": pid, "amount": 50})
	settle(t, rdb)

	s.stop("crm")
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

	s.start("crm")
	s.waitHealthy("crm")
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
