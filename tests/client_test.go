package tests

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/shop/gateway/idempotency"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// api is an HTTP client of the gateway.
type api struct {
	t    *testing.T
	base string
}

// do sends a request with a raw body and returns status and body.
func (a api) do(method, path, body string) (int, []byte) {
	a.t.Helper()
	return a.doKeyed(method, path, body, "")
}

// doKeyed is do with an Idempotency-Key header (none if key is empty).
func (a api) doKeyed(method, path, body, key string) (int, []byte) {
	a.t.Helper()
	var header []string
	if key != "" {
		header = []string{idempotency.Header, key}
	}
	r := a.send(method, path, body, header...)
	return r.code, r.body
}

// client is a shopkit client of the gateway.
func (a api) client() shopkit.Client { return shopkit.NewClient(a.base) }

// commandRetryFor bounds how long call sends a command again after a 503.
const commandRetryFor = 15 * time.Second

// call sends v as JSON, checks the status and decodes the answer into out.
// A command expected to succeed is sent as the contract tells clients to:
// with an Idempotency-Key, and again with the same key after a 503 (the
// read model behind on a loaded machine), for up to commandRetryFor.
func (a api) call(method, path string, v any, wantStatus int, out any) {
	a.t.Helper()
	body := ""
	if v != nil {
		raw, err := json.Marshal(v)
		if err != nil {
			a.t.Fatal(err)
		}
		body = string(raw)
	}
	key := ""
	if method != http.MethodGet && wantStatus < 300 {
		key = uuid.NewString()
	}
	code, raw := a.doKeyed(method, path, body, key)
	for deadline := time.Now().Add(commandRetryFor); key != "" && code == http.StatusServiceUnavailable && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		code, raw = a.doKeyed(method, path, body, key)
	}
	if code != wantStatus {
		a.t.Fatalf("%s %s = %d %s, want %d", method, path, code, raw, wantStatus)
	}
	if out != nil {
		if err := json.NewDecoder(bytes.NewReader(raw)).Decode(out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// create POSTs v, which must answer 201 (the REST dialect: path starts
// with /v1), and returns the new ids.
func (a api) create(path string, v any) []string {
	a.t.Helper()
	var ids []string
	a.call(http.MethodPost, path, v, http.StatusCreated, &ids)
	return ids
}

// get GETs path into out.
func (a api) get(path string, out any) {
	a.t.Helper()
	a.call(http.MethodGet, path, nil, http.StatusOK, out)
}

// report is GET /report.
type report = gateway.Report

// settleTimeout bounds settle.
const settleTimeout = 20 * time.Second

// settle waits until every function but the skipped ones has handled
// everything (shopkit.Quiet).
func settle(t *testing.T, rdb redis.UniversalClient, skip ...string) {
	t.Helper()
	shopkit.Settle(t, rdb, settleTimeout, skip...)
}

// countKinds counts mails by kind.
func countKinds(mails []model.Mail) map[string]int {
	out := map[string]int{}
	for _, m := range mails {
		out[m.Kind]++
	}
	return out
}

// streamLens is XLEN of every partition of every events:* family.
func streamLens(t *testing.T, rdb redis.UniversalClient) map[string]int64 {
	t.Helper()
	out, err := shopkit.Lens(ctx(), rdb)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitOrders pages through GET /v1/orders until no order is pending.
func waitOrders(t *testing.T, a api) []model.Order {
	t.Helper()
	var orders []model.Order
	redistest.Eventually(t, 15*time.Second, func() bool {
		orders = listAll[model.Order](a, "/orders")
		for _, o := range orders {
			if o.Status == model.StatusPending {
				return false
			}
		}
		return true
	}, "orders decided")
	return orders
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
