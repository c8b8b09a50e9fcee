package tests

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// The contract tests speak the API as an outside client: these are the
// entities as the wire carries them (prices and amounts are int64), not
// the shop's Go types.
type (
	wCustomer struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	wProduct struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Price int64  `json:"price"`
	}
	wInventory struct {
		ID        string `json:"id"`
		ProductID string `json:"product_id"`
		Amount    int64  `json:"amount"`
	}
	wOrder struct {
		ID         string   `json:"id"`
		CustomerID string   `json:"customer_id"`
		ProductIDs []string `json:"product_ids"`
		Status     string   `json:"status"`
		Reason     string   `json:"reason"`
		BillingID  string   `json:"billing_id"`
	}
	wBilling struct {
		ID         string `json:"id"`
		OrderID    string `json:"order_id"`
		CustomerID string `json:"customer_id"`
		Amount     int64  `json:"amount"`
	}
)

// Header names of the contract.
const (
	hdrIdempotencyKey = "Idempotency-Key"
	hdrReplayed       = "Idempotent-Replayed"
	hdrLocation       = "Location"
	hdrStale          = "X-Read-Stale"
)

// v1 is the prefix of the REST dialect.
const v1 = "/v1"

// reply is one HTTP answer.
type reply struct {
	code   int
	header http.Header
	body   []byte
}

// String shows a reply in failure messages (the body cut at 300 bytes).
func (r reply) String() string { return shopkit.Reply{Status: r.code, Body: r.body}.String() }

// null reports whether the body is the JSON null.
func (r reply) null() bool { return string(bytes.TrimSpace(r.body)) == "null" }

// errorMessage is the "error" of a JSON error body, "" if the body is not
// one.
func (r reply) errorMessage() string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(r.body, &e) != nil {
		return ""
	}
	return e.Error
}

// send sends a raw body (none if empty) with headers given as name, value
// pairs, and returns the answer; a transport error fails the test.
func (a api) send(method, path, body string, header ...string) reply {
	a.t.Helper()
	r, err := a.trySend(method, path, body, header...)
	if err != nil {
		a.t.Fatal(err)
	}
	return r
}

// trySend is send that returns a transport error instead of failing, for
// goroutines other than the test's. Every request is bounded
// (shopkit.RequestTimeout): a hang fails.
func (a api) trySend(method, path, body string, header ...string) (reply, error) {
	r, err := a.client().Do(method, path, []byte(body), header...)
	return reply{code: r.Status, header: r.Header, body: r.Body}, err
}

// sendJSON is send with v marshalled as the body.
func (a api) sendJSON(method, path string, v any, header ...string) reply {
	a.t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		a.t.Fatal(err)
	}
	return a.send(method, path, string(raw), header...)
}

// expect sends v (nil: no body), fails unless the answer has status want,
// and decodes its body into out (if not nil).
func (a api) expect(method, path string, v any, want int, out any, header ...string) reply {
	a.t.Helper()
	var r reply
	if v == nil {
		r = a.send(method, path, "", header...)
	} else {
		r = a.sendJSON(method, path, v, header...)
	}
	if r.code != want {
		a.t.Fatalf("%s %s = %s, want %d", method, path, r, want)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, r, err)
		}
	}
	return r
}

// ids POSTs v on the REST dialect, expects 201 and returns the new ids.
func (a api) ids(path string, v any, header ...string) []string {
	a.t.Helper()
	var ids []string
	a.expect(http.MethodPost, v1+path, v, http.StatusCreated, &ids, header...)
	return ids
}

// mustJSON marshals v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
