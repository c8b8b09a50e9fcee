package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStaleMissIs503: with the projector behind (here: not running), a
// command or query about an id the read model does not know answers 503
// (try again), not 404: the entity may be in the log, not projected yet.
func TestStaleMissIs503(t *testing.T) {
	g := gatewayBehind(t, "events:order")
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/order/o1", ""},
		{"POST", "/billings", `{"order_id":"o1"}`},
		{"DELETE", "/customer/c1", ""},
	} {
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
		if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("X-Read-Stale") != "true" {
			t.Errorf("%s %s = %d %s (stale %q), want 503 marked stale", tc.method, tc.path, rec.Code, rec.Body, rec.Header().Get("X-Read-Stale"))
		}
	}
}
