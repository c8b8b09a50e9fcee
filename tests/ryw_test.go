package tests

import (
	"net/http"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
)

// TestReadYourWritesWaitsForVerdicts: an order or stock query waits until
// the inventory function has decided every order published before it,
// bounded at 2 s; with the inventory function stopped, the query answers
// after the bound with X-Read-Stale: true, and once it runs again the same
// query answers the verdict, fresh.
func TestReadYourWritesWaitsForVerdicts(t *testing.T) {
	freshRedis(t)
	s := newShop(t)
	a := api{t: t, base: s.startAll()}
	c := newCatalog(a, 1, 5, 10)
	s.stop("inventory")
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

	s.start("inventory")
	s.waitHealthy("inventory")
	var o wOrder
	r := a.expect(http.MethodGet, v1+"/orders/"+id, nil, http.StatusOK, &o)
	if o.Status != model.StatusAccepted || r.header.Get(hdrStale) != "" {
		t.Errorf("order once the inventory function runs again: %q (%s %q), want accepted, fresh", o.Status, hdrStale, r.header.Get(hdrStale))
	}
	if got := inventoryAmount(a, c.inventory[0]); got != 8 {
		t.Errorf("stock once the order is decided: %d, want 8", got)
	}
}
