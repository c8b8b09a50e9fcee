package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// requestTimeout bounds every request of the suite: a hang is a failure.
const requestTimeout = 15 * time.Second

// api is a bounded HTTP client of the gateway.
type api struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func newAPI(t testing.TB, base string) api {
	return api{t: t, base: base, hc: &http.Client{Timeout: requestTimeout}}
}

// answer is one HTTP exchange.
type answer struct {
	status  int
	body    []byte
	elapsed time.Duration
	err     error
}

// send sends v as JSON (no body if nil), with headers given as name,
// value pairs, and returns the answer; transport errors are returned, not
// fatal.
func (a api) send(method, path string, v any, header ...string) answer {
	var body io.Reader
	if v != nil {
		raw, err := json.Marshal(v)
		if err != nil {
			return answer{err: fmt.Errorf("marshal: %w", err)}
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		return answer{err: fmt.Errorf("request: %w", err)}
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	start := time.Now()
	resp, err := a.hc.Do(req)
	if err != nil {
		return answer{err: fmt.Errorf("%s %s: %w", method, path, err), elapsed: time.Since(start)}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: raw, elapsed: time.Since(start), err: err}
}

// create POSTs v to the REST dialect (/v1 + path), which must answer
// 201, and returns the new ids.
func (a api) create(path string, v any) []string {
	a.t.Helper()
	ans := a.send(http.MethodPost, "/v1"+path, v)
	if ans.err != nil || ans.status != http.StatusCreated {
		a.t.Fatalf("POST /v1%s = %d %s %v, want 201", path, ans.status, ans.body, ans.err)
	}
	var ids []string
	if err := json.Unmarshal(ans.body, &ids); err != nil {
		a.t.Fatalf("POST /v1%s: decode %s: %v", path, ans.body, err)
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
	settle(t, srv.Client(t), 30*time.Second)
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
