package tests

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// TestKeysAndCursorsAcrossGateways runs two gateway processes, as behind a
// load balancer: 20 requests with one key, sent at once to both, write one
// order and all answer its answer; a paging cursor of one gateway pages
// on the other; after the first gateway stopped, the second still replays
// the answer (keys and cursors are the shop's, not a process's).
func TestKeysAndCursorsAcrossGateways(t *testing.T) {
	s, one, rdb := ownShop(t)
	first := s.Proc(shopkit.Gateway)
	two := api{t: t, base: s.StartHealthy(shopkit.Gateway).URL()}
	c, key := newCatalog(one, 3, 10, 100), newKey(t)
	body := mustJSON(t, c.order(c.products[0]))

	replies := race(t, 20, func(i int) (reply, error) {
		return []api{one, two}[i%2].trySend(http.MethodPost, v1+"/orders", body, hdrIdempotencyKey, key)
	})
	for i, r := range replies {
		if r.code != http.StatusCreated || !bytes.Equal(r.body, replies[0].body) {
			t.Errorf("request %d (gateway %d) answered %s; request 0 answered %s: want one answer for all", i, i%2+1, r, replies[0])
		}
	}
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
		t.Errorf("%d order.created events for one key sent to two gateways, want 1", n)
	}

	var products []string
	cursor := ""
	for i := 0; i < 10; i++ {
		q := v1 + "/products?limit=1"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		var p page
		[]api{one, two}[i%2].expect(http.MethodGet, q, nil, http.StatusOK, &p)
		products = append(products, idsOf(one, p.Items)...)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(products, c.products) {
		t.Errorf("/v1/products paged across both gateways: %v, want %v", products, c.products)
	}

	if code, err := first.Stop(15 * time.Second); err != nil || code != 0 {
		t.Fatalf("first gateway: exit %d, %v", code, err)
	}
	r := two.send(http.MethodPost, v1+"/orders", body, hdrIdempotencyKey, key)
	if r.code != http.StatusCreated || !bytes.Equal(r.body, replies[0].body) || r.header.Get(hdrReplayed) != "true" {
		t.Errorf("repeat on the second gateway after the first stopped = %s (%s %q), want the first answer, replayed",
			r, hdrReplayed, r.header.Get(hdrReplayed))
	}
}
