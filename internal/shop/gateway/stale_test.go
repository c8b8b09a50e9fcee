package gateway_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/runtime/partition"
)

// TestStaleMissIs503: with the projector behind (here: not running), a
// command or query about an id the read model does not know answers 503
// (try again), not 404: the entity may be in the log, not projected yet.
func TestStaleMissIs503(t *testing.T) {
	g := gatewayBehind(t, partitionOf("order", "o1"), partitionOf("customer", "c1"))
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

// TestEntityWaitsForItsPartition: a query about one entity waits only for
// its partition (and the families its view depends on): with another
// partition of its family behind it answers at once, not stale; a list
// waits for every partition and is stale.
func TestEntityWaitsForItsPartition(t *testing.T) {
	other := "c2"
	for i := 0; partitionOf("customer", other) == partitionOf("customer", "c1"); i++ {
		other = "c2-" + strconv.Itoa(i)
	}
	g := gatewayBehind(t, partitionOf("customer", other))
	for _, tc := range []struct {
		path      string
		wantStale bool
	}{
		{"/customer/c1", false},
		{"/customers", true},
		{"/customer/" + other, true},
	} {
		rec := httptest.NewRecorder()
		start := time.Now()
		g.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
		stale := rec.Header().Get("X-Read-Stale") == "true"
		if stale != tc.wantStale {
			t.Errorf("GET %s = %d %s, stale %v after %v; want stale %v", tc.path, rec.Code, rec.Body, stale, time.Since(start), tc.wantStale)
		}
	}
}

// TestOrderWaitsForBillings: an order's payment is a billing of any
// partition, so a read of an order waits for all of events:billing.
func TestOrderWaitsForBillings(t *testing.T) {
	for p := range partition.DefaultCount {
		g := gatewayBehind(t, partition.Stream("events:billing", p))
		rec := httptest.NewRecorder()
		g.ServeHTTP(rec, httptest.NewRequest("GET", "/order/o1", nil))
		if rec.Header().Get("X-Read-Stale") != "true" {
			t.Fatalf("GET /order/o1 with events:billing:%s behind = %d, not stale", partition.Tag(p), rec.Code)
		}
		if p == 1 {
			return // two partitions are enough to show it is not the order's alone
		}
	}
}
