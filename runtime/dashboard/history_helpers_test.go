package dashboard_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/dashboard/internal/history"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// serveSampling is serve that also returns the Handler, for its Run and
// SampleAt.
func serveSampling(t *testing.T, rdb redis.UniversalClient, cfg dashboard.Config) (*site, *dashboard.Handler) {
	t.Helper()
	cfg.Ops = opstest.Ops(rdb)
	cfg.Token = opstest.Unique("admin-token")
	h, err := dashboard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	s := &site{t: t, url: ts.URL, admin: cfg.Token, rdb: rdb, rec: &recorder{next: http.DefaultTransport}}
	t.Cleanup(func() { s.rec.mustNotContain(t, s.admin) })
	return s, h
}

// startSampler runs h's sampler until the test ends and checks that it stops
// with nil.
func startSampler(t *testing.T, h *dashboard.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not stop within 5s of its context ending")
		}
	})
}

// sampledFunction registers a new function whose group reads a new
// stream (registerGroup), and returns them with the client and a new
// history key to sample them under.
func sampledFunction(t *testing.T) (rdb redis.UniversalClient, key, function, stream string) {
	t.Helper()
	rdb = srv.Client(t)
	key, function, stream = opstest.Unique("history"), opstest.Unique("billing"), opstest.Unique("events:order")
	registerGroup(t, rdb, function, stream)
	return rdb, key, function, stream
}

// registerGroup registers function in the default registry on stream and
// creates its group there at the start: the test then plays the
// function with consume.
func registerGroup(t *testing.T, rdb redis.UniversalClient, function, stream string) {
	t.Helper()
	opstest.Register(t, rdb, runtime.DefaultRegistryKey, runtime.FunctionInfo{Name: function, Group: function, Streams: []string{stream}, DeadLetter: runtime.DeadLetterStream(function)})
	t.Cleanup(func() { rdb.HDel(context.Background(), runtime.DefaultRegistryKey, function) })
	opstest.Group(t, rdb, stream, function, "0")
}

// publishEvents appends n events to stream.
func publishEvents(t *testing.T, rdb redis.UniversalClient, stream string, n int) {
	t.Helper()
	for i := range n {
		opstest.Publish(t, rdb, stream, "order.created", opstest.Unique("ev"), "o"+strconv.Itoa(i), map[string]int{"i": i})
	}
}

// consumeEvents reads up to n new entries of stream as function's group and
// acks the first ack of them; it returns the ids read.
func consumeEvents(t *testing.T, rdb redis.UniversalClient, function, stream string, n, ack int) []string {
	t.Helper()
	res, err := rdb.XReadGroup(t.Context(), &redis.XReadGroupArgs{Group: function, Consumer: "test", Streams: []string{stream, ">"}, Count: int64(n), Block: -1}).Result()
	if err != nil {
		t.Fatalf("XREADGROUP %s: %v", stream, err)
	}
	var ids []string
	for _, x := range res[0].Messages {
		ids = append(ids, x.ID)
	}
	if len(ids) != n {
		t.Fatalf("XREADGROUP %s read %d entries, want %d", stream, len(ids), n)
	}
	if ack > 0 {
		if err := rdb.XAck(t.Context(), stream, function, ids[:ack]...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// historyOf fetches function's history: the JSON of GET
// /functions/{function}/history.json.
func (c *client) historyOf(function string) history.Columns {
	c.s.t.Helper()
	res, body := c.get("/functions/" + function + "/history.json")
	wantStatus(c.s.t, "history of "+function, res, body, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		c.s.t.Errorf("history.json has Content-Type %q", ct)
	}
	var h history.Columns
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		c.s.t.Fatalf("history.json: %v\n%s", err, body)
	}
	return h
}

// historyEventually polls cond every 20ms until it holds or timeout passes.
func historyEventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
