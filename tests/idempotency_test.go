package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/runtime/partition"
)

// TestIdempotentUpdateAndDelete: PUT and DELETE repeated with their key
// answer the first answer (the DELETE's repeat too, though the order is
// gone) and write one order.updated and one order.deleted; a DELETE with
// the PUT's key is 422 and deletes nothing; the POST that
// created the order, repeated after all that, still answers its first
// answer and creates nothing.
func TestIdempotentUpdateAndDelete(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c := newCatalog(a, 1, 100, 1000)
	p := c.products[0]
	post := newKey(t)
	created := a.expect(http.MethodPost, v1+"/orders", c.order(p), http.StatusCreated, nil, hdrIdempotencyKey, post)
	var ids []string
	if err := json.Unmarshal(created.body, &ids); err != nil || len(ids) != 1 {
		t.Fatalf("POST /v1/orders = %s, want one id", created)
	}
	id := ids[0]

	put := newKey(t)
	first := a.expect(http.MethodPut, v1+"/order/"+id, c.order(p, p), http.StatusOK, nil, hdrIdempotencyKey, put)
	second := a.sendJSON(http.MethodPut, v1+"/order/"+id, c.order(p, p), hdrIdempotencyKey, put)
	sameAnswer(t, "PUT /v1/order/{id}", first, second)
	if n := countEvents(t, rdb, model.OrderUpdated, "id", id); n != 1 {
		t.Errorf("%d order.updated events for one PUT sent twice with its key, want 1", n)
	}

	if r := a.send(http.MethodDelete, v1+"/order/"+id, "", hdrIdempotencyKey, put); r.code != http.StatusUnprocessableEntity {
		t.Errorf("DELETE /v1/order/{id} with the PUT's key = %s, want 422", r)
	}
	if s := orderStatus(a, id); s != model.StatusAccepted {
		t.Errorf("order after the DELETE with a reused key is %q, want it still there, accepted", s)
	}

	del := newKey(t)
	first = a.expect(http.MethodDelete, v1+"/order/"+id, nil, http.StatusOK, nil, hdrIdempotencyKey, del)
	second = a.send(http.MethodDelete, v1+"/order/"+id, "", hdrIdempotencyKey, del)
	sameAnswer(t, "DELETE /v1/order/{id}", first, second)
	if n := countEvents(t, rdb, model.OrderDeleted, "id", id); n != 1 {
		t.Errorf("%d order.deleted events for one DELETE sent twice with its key, want 1", n)
	}
	if r := a.send(http.MethodDelete, v1+"/order/"+id, "", hdrIdempotencyKey, newKey(t)); r.code != http.StatusNotFound {
		t.Errorf("DELETE of the deleted order with a new key = %s, want 404", r)
	}
	again := a.sendJSON(http.MethodPost, v1+"/orders", c.order(p), hdrIdempotencyKey, post)
	sameAnswer(t, "POST /v1/orders repeated after the order was deleted", created, again)
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
		t.Errorf("%d order.created events after the POST was repeated, want 1", n)
	}
}

// TestIdempotencyKeyFormat: a key is 1 to 255 visible ASCII characters;
// any other key answers 400 and writes nothing.
func TestIdempotencyKeyFormat(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c := newCatalog(a, 1, 100, 1000)
	for _, tc := range []struct{ name, key string }{
		{"256 characters", strings.Repeat("k", 256)},
		{"4096 characters", strings.Repeat("k", 4096)},
		{"a space", "has space"},
		{"not ASCII", "cl\u00e9"},
		{"a tab", "tab\there"},
	} {
		r := a.sendJSON(http.MethodPost, v1+"/orders", c.order(c.products[0]), hdrIdempotencyKey, tc.key)
		if r.code != http.StatusBadRequest || r.errorMessage() == "" {
			t.Errorf("Idempotency-Key with %s: POST /v1/orders = %s, want 400 with a JSON error", tc.name, r)
		}
	}
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 0 {
		t.Errorf("%d orders created by requests with a bad key, want 0", n)
	}
	long := newKey(t) + "!~"
	long += strings.Repeat("x", 255-len(long))
	a.expect(http.MethodPost, v1+"/orders", c.order(c.products[0]), http.StatusCreated, nil, hdrIdempotencyKey, long)
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
		t.Errorf("%d orders created with a key of 255 characters, want 1", n)
	}
}

// TestIdempotencyFailureNotRemembered: only a 2xx answer is remembered. A
// request that failed (404: unknown customer) fails again when sent again
// with its key, and the same key then serves a valid request.
func TestIdempotencyFailureNotRemembered(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c, key := newCatalog(a, 1, 100, 1000), newKey(t)
	bad := map[string]any{"customer_id": "no-such-customer", "product_ids": []string{c.products[0]}}
	for i := range 2 {
		r := a.sendJSON(http.MethodPost, v1+"/orders", bad, hdrIdempotencyKey, key)
		if r.code != http.StatusNotFound || r.header.Get(hdrReplayed) != "" {
			t.Errorf("POST %d of an order of an unknown customer = %s (%s %q), want 404 not replayed",
				i+1, r, hdrReplayed, r.header.Get(hdrReplayed))
		}
	}
	first := a.expect(http.MethodPost, v1+"/orders", c.order(c.products[0]), http.StatusCreated, nil, hdrIdempotencyKey, key)
	if got := first.header.Get(hdrReplayed); got != "" {
		t.Errorf("valid request after the 404s: %s = %q, want none", hdrReplayed, got)
	}
	second := a.sendJSON(http.MethodPost, v1+"/orders", c.order(c.products[0]), hdrIdempotencyKey, key)
	sameAnswer(t, "POST /v1/orders after a failure with the key", first, second)
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
		t.Errorf("%d order.created events, want 1", n)
	}
}

// keySeq makes every key of a test run unique.
var keySeq atomic.Int64

// newKey is an Idempotency-Key no other request of the run used.
func newKey(t *testing.T) string {
	return fmt.Sprintf("%s-%d-%d", strings.ReplaceAll(t.Name(), "/", "."), time.Now().UnixNano(), keySeq.Add(1))
}

// on is a copy of the client that reports to t (a subtest).
func (a api) on(t *testing.T) api { return api{t: t, base: a.base} }

// sameAnswer fails t unless second repeats first (status, body, Location)
// and says so with Idempotent-Replayed: true, which first does not carry.
func sameAnswer(t *testing.T, what string, first, second reply) {
	t.Helper()
	if second.code != first.code || !bytes.Equal(second.body, first.body) {
		t.Errorf("%s: repeat answered %s, the first %s: want the same status and body", what, second, first)
	}
	if got, want := second.header.Get(hdrLocation), first.header.Get(hdrLocation); got != want {
		t.Errorf("%s: repeat's Location %q, the first's %q", what, got, want)
	}
	if got := second.header.Get(hdrReplayed); got != "true" {
		t.Errorf("%s: repeat's %s = %q, want true", what, hdrReplayed, got)
	}
	if got := first.header.Get(hdrReplayed); got != "" {
		t.Errorf("%s: first answer's %s = %q, want none", what, hdrReplayed, got)
	}
}

// TestIdempotentReplay: an order POSTed twice with one key and one body
// is created once, on both dialects; the repeat answers the first answer
// with Idempotent-Replayed: true, and the key lives 24 h in Redis under
// the SHA-256 of the key.
func TestIdempotentReplay(t *testing.T) {
	shop, rdb := sharedAPI(t), kit.Client(t)
	for _, d := range []struct {
		name, prefix string
		status       int
	}{{"v1", v1, http.StatusCreated}, {"seed", "", http.StatusOK}} {
		t.Run(d.name, func(t *testing.T) {
			a := shop.on(t)
			c, key := newCatalog(a, 1, 100, 1000), newKey(t)
			first := a.sendJSON(http.MethodPost, d.prefix+"/orders", c.order(c.products[0]), hdrIdempotencyKey, key)
			second := a.sendJSON(http.MethodPost, d.prefix+"/orders", c.order(c.products[0]), hdrIdempotencyKey, key)
			if first.code != d.status {
				t.Fatalf("POST %s/orders = %s, want %d", d.prefix, first, d.status)
			}
			sameAnswer(t, "POST "+d.prefix+"/orders", first, second)
			if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
				t.Errorf("%d order.created events for the customer, want 1", n)
			}
			var orders []wOrder
			a.expect(http.MethodGet, "/orders", nil, http.StatusOK, &orders)
			if n := ordersOf(orders, c.customer); n != 1 {
				t.Errorf("GET /orders lists %d orders of the customer, want 1", n)
			}
			// A POST of new orders keeps its key in the partition of the
			// key's hash.
			sum := sha256.Sum256([]byte(key))
			p := partition.Of(hex.EncodeToString(sum[:]), partition.DefaultCount)
			record := "shop:idempotency:" + partition.Tag(p) + ":" + hex.EncodeToString(sum[:])
			ttl, err := rdb.TTL(ctx(), record).Result()
			if err != nil || ttl < 23*time.Hour || ttl > 24*time.Hour {
				t.Errorf("TTL of %s = %v (err %v), want about 24h", record, ttl, err)
			}
		})
	}
}

// ordersOf counts the orders of customer.
func ordersOf(orders []wOrder, customer string) int {
	n := 0
	for _, o := range orders {
		if o.CustomerID == customer {
			n++
		}
	}
	return n
}

// TestIdempotentConcurrent: 20 requests with one key at once write one
// order, and all answer the winner's answer.
func TestIdempotentConcurrent(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c, key := newCatalog(a, 1, 100, 1000), newKey(t)
	body, _ := json.Marshal(c.order(c.products[0]))
	const clients = 20
	replies := race(t, clients, func(int) (reply, error) {
		return a.trySend(http.MethodPost, v1+"/orders", string(body), hdrIdempotencyKey, key)
	})
	replayed := 0
	for i, r := range replies {
		if r.code != http.StatusCreated || !bytes.Equal(r.body, replies[0].body) {
			t.Errorf("request %d answered %s; request 0 answered %s: want every one 201 with the same ids", i, r, replies[0])
		}
		if r.header.Get(hdrReplayed) == "true" {
			replayed++
		}
	}
	if replayed != clients-1 {
		t.Errorf("%d answers carry %s: true, want %d (all but the winner)", replayed, hdrReplayed, clients-1)
	}
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
		t.Errorf("%d order.created events for 20 concurrent requests with one key, want 1", n)
	}
}

// TestIdempotencyKeyReused: a key used once answers 422 for another body,
// path or method, and such a request writes nothing.
func TestIdempotencyKeyReused(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c, key := newCatalog(a, 2, 100, 1000), newKey(t)
	first := a.expect(http.MethodPost, v1+"/orders", c.order(c.products[0]), http.StatusCreated, nil, hdrIdempotencyKey, key)
	var ids []string
	if err := json.Unmarshal(first.body, &ids); err != nil || len(ids) != 1 {
		t.Fatalf("POST /v1/orders = %s, want one id", first)
	}
	settle(t, rdb)
	before := streamLens(t, rdb)
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"other body", http.MethodPost, v1 + "/orders", c.order(c.products[1])},
		{"other path", http.MethodPost, v1 + "/customers", map[string]any{"name": "Other", "email": "other@example.com"}},
		{"other method", http.MethodPut, v1 + "/order/" + ids[0], c.order(c.products[1])},
		{"other dialect", http.MethodPost, "/orders", c.order(c.products[0])},
	} {
		r := a.sendJSON(tc.method, tc.path, tc.body, hdrIdempotencyKey, key)
		if r.code != http.StatusUnprocessableEntity || r.errorMessage() == "" {
			t.Errorf("%s: %s %s with a used key = %s, want 422 with a JSON error", tc.name, tc.method, tc.path, r)
		}
	}
	if diff := cmp.Diff(before, streamLens(t, rdb)); diff != "" {
		t.Errorf("requests answered 422 wrote events (-before +after):\n%s", diff)
	}
	if got := orderStatus(a, ids[0]); got != model.StatusAccepted {
		t.Errorf("order %s is %q after the 422s, want accepted", ids[0], got)
	}
}

// TestIdempotentConcurrentOtherBodies: 10 requests with body A and 10
// with body B race with one key: one order is written; the requests with
// the winning body answer its answer, the others 422.
func TestIdempotentConcurrentOtherBodies(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c, key := newCatalog(a, 2, 100, 1000), newKey(t)
	bodies := [2]string{mustJSON(t, c.order(c.products[0])), mustJSON(t, c.order(c.products[1]))}
	replies := race(t, 20, func(i int) (reply, error) {
		return a.trySend(http.MethodPost, v1+"/orders", bodies[i%2], hdrIdempotencyKey, key)
	})
	winner := -1
	for i, r := range replies {
		if r.code == http.StatusCreated {
			winner = i % 2
		}
	}
	if winner < 0 {
		t.Fatalf("no request answered 201; request 0 answered %s", replies[0])
	}
	var won []byte
	for i, r := range replies {
		switch {
		case i%2 != winner && r.code != http.StatusUnprocessableEntity:
			t.Errorf("request %d with the losing body answered %s, want 422", i, r)
		case i%2 == winner && r.code != http.StatusCreated:
			t.Errorf("request %d with the winning body answered %s, want 201", i, r)
		case i%2 == winner && won != nil && !bytes.Equal(won, r.body):
			t.Errorf("request %d answered %s, another with the same body %s", i, r, won)
		case i%2 == winner:
			won = r.body
		}
	}
	if n := countEvents(t, rdb, model.OrderCreated, "customer_id", c.customer); n != 1 {
		t.Errorf("%d order.created events for 20 racing requests with one key, want 1", n)
	}
}

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
