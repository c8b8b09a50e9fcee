package tests

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestPagingEveryList pages through every list of the REST dialect with a
// small limit and checks that the pages hold the seed dialect's full
// array, in the same (id) order.
func TestPagingEveryList(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c := newCatalog(a, 3, 5, 1000)
	orders := a.ids("/orders", []map[string]any{c.order(c.products[0]), c.order(c.products[1]), c.order(c.products[2])})
	a.ids("/billings", map[string]any{"order_id": orders[0]})
	settle(t, rdb)
	for _, path := range []string{"/customers", "/products", "/inventory", "/orders", "/orders/unbilled", "/billings", "/mails"} {
		t.Run(path, func(t *testing.T) {
			a := a.on(t)
			var full []json.RawMessage
			a.expect(http.MethodGet, path, nil, http.StatusOK, &full)
			if len(full) == 0 {
				t.Fatalf("GET %s is empty: nothing to page", path)
			}
			const limit = 7
			items, pages := walkPages(a, path, limit, limit)
			seed, paged := idsOf(a, full), idsOf(a, items)
			if !slices.IsSorted(seed) {
				t.Errorf("GET %s is not in id order", path)
			}
			if !slices.IsSorted(paged) {
				t.Errorf("GET /v1%s pages are not in id order", path)
			}
			slices.Sort(seed)
			slices.Sort(paged)
			if diff := cmp.Diff(seed, paged); diff != "" {
				t.Errorf("GET /v1%s pages vs GET %s, ids sorted (-seed +pages):\n%s", path, path, diff)
			}
			if want := (len(full) + limit - 1) / limit; pages < want {
				t.Errorf("GET /v1%s: %d items on %d pages of at most %d", path, len(items), pages, limit)
			}
		})
	}
}

// pagedOrders is how many orders the paging test creates.
const pagedOrders = 2500

// TestPagingOrders creates 2,500 orders in three requests and pages
// through /v1/orders with limit 1000 and with the default (100): every
// order comes exactly once, in id order, and the pages hold the whole
// list (the seed dialect's full array).
func TestPagingOrders(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c := newCatalog(a, 3, 1, 1_000_000)
	var created []string
	for _, n := range []int{1000, 1000, 500} {
		batch := make([]map[string]any, n)
		for i := range batch {
			batch[i] = c.order(c.products[i%len(c.products)])
		}
		created = append(created, a.ids("/orders", batch)...)
	}
	if len(created) != pagedOrders {
		t.Fatalf("created %d orders, want %d", len(created), pagedOrders)
	}
	settle(t, rdb)
	var all []wOrder
	a.expect(http.MethodGet, "/orders", nil, http.StatusOK, &all)
	want := make([]string, len(all))
	listed := map[string]bool{}
	for i, o := range all {
		want[i] = o.ID
		listed[o.ID] = true
	}
	for _, id := range created {
		if !listed[id] {
			t.Fatalf("GET /orders lacks created order %s", id)
		}
	}
	for _, limit := range []int{1000, 0} {
		max := limit
		if limit == 0 {
			max = 100 // the documented default
		}
		items, pages := walkPages(a, "/orders", limit, max)
		got := idsOf(a, items)
		checkOnceEach(t, "/v1/orders", got, want)
		if min := (len(want) + max - 1) / max; pages < min {
			t.Errorf("limit %d: %d orders on %d pages, want at least %d pages of at most %d", limit, len(got), pages, min, max)
		}
		if !slices.IsSorted(got) {
			t.Errorf("limit %d: pages not in id order", limit)
		}
	}
}

// checkOnceEach fails t unless got holds every id of want exactly once
// and nothing else.
func checkOnceEach(t *testing.T, what string, got, want []string) {
	t.Helper()
	seen, listed := map[string]int{}, map[string]bool{}
	for _, id := range got {
		seen[id]++
	}
	for _, id := range want {
		listed[id] = true
	}
	var twice, missing, extra []string
	for id, n := range seen {
		if n > 1 {
			twice = append(twice, id)
		}
		if !listed[id] {
			extra = append(extra, id)
		}
	}
	for _, id := range want {
		if seen[id] == 0 {
			missing = append(missing, id)
		}
	}
	if len(twice)+len(missing)+len(extra) > 0 {
		t.Errorf("%s: %d items; %d came twice %v, %d missing %v, %d not in the list %v",
			what, len(got), len(twice), head(twice), len(missing), head(missing), len(extra), head(extra))
	}
}

// head is the first few of ids, for messages.
func head(ids []string) []string { return ids[:min(3, len(ids))] }

// TestPagingBadParameters: a limit out of 1..1000 or not an integer, and
// a cursor the server did not issue, answer 400 with a JSON error.
func TestPagingBadParameters(t *testing.T) {
	a := sharedAPI(t)
	c := newCatalog(a, 1, 1, 1000)
	a.ids("/orders", []map[string]any{c.order(c.products[0]), c.order(c.products[0])})
	var first page
	a.expect(http.MethodGet, v1+"/orders?limit=1", nil, http.StatusOK, &first)
	if first.NextCursor == "" {
		t.Fatalf("GET /v1/orders?limit=1 has no next_cursor with two orders or more")
	}
	tampered := []byte(first.NextCursor)
	tampered[len(tampered)/2] ^= 1
	for _, q := range []string{
		"limit=0", "limit=1001", "limit=x", "limit=-1", "limit=1.5", "limit=",
		"cursor=forged", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte(`{"after":"0"}`)),
		"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("c1:zzz")),
		"cursor=" + url.QueryEscape(string(tampered)), "cursor=" + url.QueryEscape(first.NextCursor+"x"),
	} {
		for _, path := range []string{"/orders", "/customers"} {
			r := a.send(http.MethodGet, v1+path+"?"+q, "")
			if r.code != http.StatusBadRequest || r.errorMessage() == "" {
				t.Errorf("GET /v1%s?%s = %s, want 400 with a JSON error", path, q, r)
			}
		}
	}
}

// TestPagingWhileGrowing pages through /v1/orders while orders are being
// created: every order that existed before the walk comes exactly once,
// and no order comes twice.
func TestPagingWhileGrowing(t *testing.T) {
	a, rdb := sharedAPI(t), kit.Client(t)
	c := newCatalog(a, 1, 1, 1_000_000)
	batch := make([]map[string]any, 300)
	for i := range batch {
		batch[i] = c.order(c.products[0])
	}
	a.ids("/orders", batch)
	settle(t, rdb)
	var before []wOrder
	a.expect(http.MethodGet, "/orders", nil, http.StatusOK, &before)

	two := mustJSON(t, []map[string]any{c.order(c.products[0]), c.order(c.products[0])})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var grew int
	var growErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		deadline := time.Now().Add(30 * time.Second)
		for i := 0; i < 200 && time.Now().Before(deadline); i++ {
			select {
			case <-stop:
				return
			default:
			}
			r, err := a.trySend(http.MethodPost, v1+"/orders", two)
			if err == nil && r.code != http.StatusCreated {
				err = fmt.Errorf("POST /v1/orders = %s", r)
			}
			if err != nil {
				growErr = err
				return
			}
			grew += 2
		}
	}()
	items, _ := walkPages(a, "/orders", 50, 50)
	close(stop)
	wg.Wait()
	if growErr != nil {
		t.Fatal(growErr)
	}
	got := idsOf(a, items)
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
		if seen[id] == 2 {
			t.Errorf("order %s came twice", id)
		}
	}
	missing := 0
	for _, o := range before {
		if seen[o.ID] != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d orders that existed for the whole walk did not come exactly once", missing, len(before))
	}
	t.Logf("paged %d orders (%d before the walk) while %d were created", len(got), len(before), grew)
	settle(t, rdb)
}
