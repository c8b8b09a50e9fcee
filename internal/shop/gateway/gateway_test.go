package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/runtime/partition"
)

func newGateway(t *testing.T) *gateway.Gateway {
	return gateway.New(gateway.Config{Redis: srv.Client(t), WaitTimeout: 50 * time.Millisecond, MaxBodyBytes: 64})
}

// gatewayBehind empties srv, appends an event to each of streams that no
// projector will handle and returns a gateway on it: its read model is
// behind on those streams (with no projector running it stays behind).
func gatewayBehind(t *testing.T, streams ...string) *gateway.Gateway {
	t.Helper()
	srv.FlushAll(t)
	for _, stream := range streams {
		if err := srv.Client(t).XAdd(t.Context(), &redis.XAddArgs{Stream: stream, Values: map[string]any{"type": "x"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	return newGateway(t)
}

// partitionOf is the partition of entity id in the family of aggregate,
// as the gateway (16 partitions by default) writes it.
func partitionOf(aggregate, id string) string {
	return partition.Stream("events:"+aggregate, partition.Of(id, partition.DefaultCount))
}

// TestRejectsBeforeRedis covers answers that need no read model.
func TestRejectsBeforeRedis(t *testing.T) {
	g := newGateway(t)
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"malformed", "POST", "/customers", `{`, 400},
		{"too large", "POST", "/customers", `{"name":"` + strings.Repeat("x", 100) + `"}`, 413},
		{"missing field", "POST", "/products", `{"name":"Pen"}`, 400},
		{"no route", "GET", "/nope", ``, 404},
		{"method not allowed", "PATCH", "/customers", ``, 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			g.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
			var e struct{ Error string }
			if rec.Code != tc.want || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error == "" {
				t.Errorf("%s %s = %d %s, want %d with a JSON error", tc.method, tc.path, rec.Code, rec.Body, tc.want)
			}
		})
	}
}

// TestStaleReadIsMarked: with no projector running, a query answers after
// the bounded wait, marked stale.
func TestStaleReadIsMarked(t *testing.T) {
	g := gatewayBehind(t, partitionOf("customer", "c1"))
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/customers", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("X-Read-Stale") != "true" {
		t.Errorf("GET /customers = %d, stale %q; want 200, stale true", rec.Code, rec.Header().Get("X-Read-Stale"))
	}
}

func TestMount(t *testing.T) {
	g := newGateway(t)
	g.Mount("/admin", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/admin/dlq", nil))
	if rec.Code != http.StatusTeapot {
		t.Errorf("GET /admin/dlq = %d, want 418 from the mounted router", rec.Code)
	}
}

func TestRedisDownIs503(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	g := gateway.New(gateway.Config{Redis: rdb})
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, httptest.NewRequest("GET", "/customers", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("GET /customers with Redis down = %d %s, want 503", rec.Code, rec.Body)
	}
}
