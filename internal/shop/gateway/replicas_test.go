package gateway_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/shop/gateway/idempotency"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

// replicated starts a master and a replica of it, in sync, and a gateway
// on the master that waits for one replica per write, up to timeout.
func replicated(t *testing.T, timeout time.Duration) (g *gateway.Gateway, master, replica *redis.Client) {
	t.Helper()
	m := redistest.New(t, redistest.Options{})
	r := redistest.New(t, redistest.Options{Args: []string{"--replicaof", "127.0.0.1", strconv.Itoa(m.Port)}})
	master, replica = m.Client(t), r.Client(t)
	redistest.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(replica.Info(context.Background(), "replication").Val(), "master_link_status:up")
	}, "the replica in sync with its master")
	g = gateway.New(gateway.Config{Redis: master, WaitTimeout: 10 * time.Millisecond,
		Replication: eventstore.Replication{Replicas: 1, Timeout: timeout}})
	return g, master, replica
}

// post sends POST /v1/customers (the REST dialect: 201 for created) with an Idempotency-Key (if key is not "").
func post(g *gateway.Gateway, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", gateway.RESTPrefix+"/customers", strings.NewReader(`{"name":"Ann","email":"ann@example.com"}`))
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	rec := httptest.NewRecorder()
	g.ServeHTTP(rec, req)
	return rec
}

// createdIn is the number of customer.created events in rdb's log.
func createdIn(t *testing.T, rdb *redis.Client) int {
	t.Helper()
	n := 0
	err := eventstore.New(rdb, model.NewLog(rdb, 0)).ScanLog(context.Background(), func(e model.Event) error {
		if e.Type == model.CustomerCreated {
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCommandWaitsForReplicas: with Replication, a command is answered
// once a replica has it (the replica has its event and its
// Idempotency-Key record right after the 201); with the replica detached
// the command is written on the master but answered 503 after the
// timeout, and so is a retry with the same Idempotency-Key while the
// replica lacks its record; once the replica is back the retry answers
// the stored 201, writing nothing again.
func TestCommandWaitsForReplicas(t *testing.T) {
	const timeout = 500 * time.Millisecond
	g, master, replica := replicated(t, timeout)
	ctx := context.Background()

	rec := post(g, "k1")
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST with the replica up = %d %s, want 201", rec.Code, rec.Body)
	}
	var ids []string
	if err := json.Unmarshal(rec.Body.Bytes(), &ids); err != nil || len(ids) != 1 {
		t.Fatalf("created answer %s: %v", rec.Body, err)
	}
	if n := replica.XLen(ctx, partitionOf("customer", ids[0])).Val(); n != 1 {
		t.Fatalf("the replica has %d events in the customer's partition right after the 201, want 1", n)
	}
	if n := replica.Exists(ctx, idempotency.RedisKey("k1", idempotency.KeyPartition("k1", 16))).Val(); n != 1 {
		t.Fatal("the replica has no Idempotency-Key record right after the 201")
	}

	if err := replica.SlaveOf(ctx, "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rec = post(g, "k2")
	took := time.Since(start)
	var e struct{ Error string }
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	want := "the command was written but not replicated to 1 replica within 500ms; retry it with the same Idempotency-Key"
	if rec.Code != http.StatusServiceUnavailable || e.Error != want {
		t.Fatalf("POST with the replica detached = %d %s, want 503 %q", rec.Code, rec.Body, want)
	}
	if took < timeout {
		t.Errorf("answered 503 after %v, before the timeout %v", took, timeout)
	}
	if n := createdIn(t, master); n != 2 {
		t.Fatalf("the master has %d customer.created, want 2: the short command is written", n)
	}

	// The replica still lacks k2's record: its retry is not safe either.
	retry := post(g, "k2")
	_ = json.Unmarshal(retry.Body.Bytes(), &e)
	if retry.Code != http.StatusServiceUnavailable || e.Error != want {
		t.Fatalf("retry with the same key, replica still detached = %d %s, want 503 %q", retry.Code, retry.Body, want)
	}
	_, port, _ := net.SplitHostPort(master.Options().Addr)
	if err := replica.SlaveOf(ctx, "127.0.0.1", port).Err(); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(replica.Info(ctx, "replication").Val(), "master_link_status:up")
	}, "the replica in sync with its master again")
	retry = post(g, "k2")
	if retry.Code != http.StatusCreated || retry.Header().Get(idempotency.ReplayedHeader) != "true" {
		t.Fatalf("retry with the same key = %d %s (replayed %q), want the stored 201", retry.Code, retry.Body, retry.Header().Get(idempotency.ReplayedHeader))
	}
	if err := json.Unmarshal(retry.Body.Bytes(), &ids); err != nil || len(ids) != 1 {
		t.Fatalf("replayed answer %s: %v", retry.Body, err)
	}
	if n := master.XLen(ctx, partitionOf("customer", ids[0])).Val(); n < 1 {
		t.Fatalf("the replayed id %s has no event on the master", ids[0])
	}
	if n := createdIn(t, master); n != 2 {
		t.Fatalf("the master has %d customer.created after the retry, want 2 (the retry writes nothing)", n)
	}

	if err := replica.SlaveOf(ctx, "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	rec = post(g, "")
	_ = json.Unmarshal(rec.Body.Bytes(), &e)
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(e.Error, "may be lost") {
		t.Fatalf("POST without a key, replica detached = %d %s, want 503 saying it may be lost", rec.Code, rec.Body)
	}
}
