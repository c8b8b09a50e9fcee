package faults

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// requestTimeout bounds every request of the suite: a hang is a failure.
const requestTimeout = 15 * time.Second

// api is a bounded HTTP client of the gateway.
type api struct {
	t testing.TB
	c shopkit.Client
}

func newAPI(t testing.TB, base string) api {
	c := shopkit.NewClient(base)
	c.HTTP = &http.Client{Timeout: requestTimeout}
	return api{t: t, c: c}
}

// answer is one HTTP exchange.
type answer struct {
	status  int
	body    []byte
	elapsed time.Duration
	// at is when the answer came (or the transport failed).
	at  time.Time
	err error
}

// send sends v as JSON (no body if nil), with headers given as name,
// value pairs, and returns the answer; transport errors are returned, not
// fatal.
func (a api) send(method, path string, v any, header ...string) answer {
	r, err := a.c.Send(method, path, v, header...)
	return answer{status: r.Status, body: r.Body, elapsed: r.Elapsed, at: time.Now(), err: err}
}

// create POSTs v to the REST dialect (/v1 + path), which must answer
// 201, and returns the new ids.
func (a api) create(path string, v any) []string {
	a.t.Helper()
	ids, err := a.c.Create(path, v)
	if err != nil {
		a.t.Fatal(err)
	}
	return ids
}

// catalogue is what a burst orders from: customers and products with
// stock that no burst can exhaust, so that every order is accepted.
type catalogue struct {
	customers []string
	products  []string
}

// initialStock is every product's stock in a catalogue.
const initialStock = 1_000_000

// newCatalogue creates customers and products with stock and waits until
// every function has handled them.
func newCatalogue(t *testing.T, a api, customers, products int) catalogue {
	t.Helper()
	return newCatalogueOn(t, a, kit.Redis.Client(t), customers, products)
}

// newCatalogueOn is newCatalogue for a shop on rdb (a cluster's).
func newCatalogueOn(t *testing.T, a api, rdb redis.UniversalClient, customers, products int) catalogue {
	t.Helper()
	var cs, ps []map[string]any
	for i := range customers {
		cs = append(cs, map[string]any{"name": fmt.Sprintf("Customer %d", i), "email": fmt.Sprintf("c%d@example.com", i)})
	}
	for i := range products {
		ps = append(ps, map[string]any{"name": fmt.Sprintf("Product %d", i), "price": (i + 1) * 250})
	}
	c := catalogue{customers: a.create("/customers", cs), products: a.create("/products", ps)}
	var inv []map[string]any
	for _, p := range c.products {
		inv = append(inv, map[string]any{"product_id": p, "amount": initialStock})
	}
	a.create("/inventory", inv)
	shopkit.Settle(t, rdb, 30*time.Second)
	return c
}

// order is the i-th order of a burst: a customer and one to three
// products, deterministic in i.
func (c catalogue) order(i int) map[string]any {
	var ps []string
	for k := range 1 + i%3 {
		ps = append(ps, c.products[(i+k*7)%len(c.products)])
	}
	return map[string]any{"customer_id": c.customers[i%len(c.customers)], "product_ids": ps}
}

// waitFor polls cond until it holds, failing after timeout.
func waitFor(t testing.TB, timeout time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	redistest.Eventually(t, timeout, cond, msg, args...)
}
