package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/internal/httpserver"
)

func checkConfig(consumer string) Config {
	cfg := DefaultConfig()
	cfg.ReadBlock = 100 * time.Millisecond
	cfg.ShutdownTimeout = 2 * time.Second
	cfg.ConsumerName = consumer
	return cfg
}

func noop() Function {
	return Function{Name: "noop", Streams: []string{"events:noop"},
		Handler: HandlerFunc(func(context.Context, *Message) error { return nil })}
}

// runFor runs rt until the test ends; the returned channel gets Run's error.
func runFor(t *testing.T, rt *Runtime) <-chan error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- rt.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-errc:
		case <-time.After(20 * time.Second):
			t.Error("runtime did not stop")
		}
	})
	return errc
}

// TestEvictingRedisIsRefused: a Redis with maxmemory-policy allkeys-lru is
// refused at start-up with an error naming the override; with the override
// the runtime starts.
func TestEvictingRedisIsRefused(t *testing.T) {
	_, rdb := startRedis(t, "--maxmemory-policy", "allkeys-lru")
	rt := New(checkConfig("a"), rdb, zaptest.NewLogger(t), nil)
	if err := rt.Register(noop()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := rt.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "allkeys-lru") || !strings.Contains(err.Error(), "ALLOW_EVICTION=true") {
		t.Fatalf("Run on an evicting Redis: %v; want a refusal naming the policy and ALLOW_EVICTION", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run waited instead of refusing")
	}
	cfg := checkConfig("b")
	cfg.AllowEviction = true
	rt = New(cfg, rdb, zaptest.NewLogger(t), nil)
	if err := rt.Register(noop()); err != nil {
		t.Fatal(err)
	}
	runFor(t, rt)
	redistest.Eventually(t, 10*time.Second, func() bool { return rt.Ready(context.Background()) == nil }, "ready with ALLOW_EVICTION")
}

// TestRedisWithoutConfigIsAccepted: a Redis that does not let the runtime
// read its configuration (managed services rename or forbid CONFIG) is
// accepted, with a warning.
func TestRedisWithoutConfigIsAccepted(t *testing.T) {
	_, rdb := startRedis(t, "--rename-command", "CONFIG", "")
	if err := rdb.ConfigGet(context.Background(), "maxmemory-policy").Err(); err == nil {
		t.Fatal("CONFIG still works: the test does not test anything")
	}
	rt := New(checkConfig("a"), rdb, zaptest.NewLogger(t), nil)
	if err := rt.Register(noop()); err != nil {
		t.Fatal(err)
	}
	runFor(t, rt)
	redistest.Eventually(t, 10*time.Second, func() bool { return rt.Ready(context.Background()) == nil }, "ready without CONFIG")
}

// TestReadyzReportsARedisThatRefusesWrites: at maxmemory (noeviction) Redis
// still answers PING but refuses writes: /readyz turns 503 with the reason,
// and ready again once memory is freed.
func TestReadyzReportsARedisThatRefusesWrites(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := context.Background()
	cfg := checkConfig("a")
	cfg.Port = 0
	rt := New(cfg, rdb, zaptest.NewLogger(t), nil)
	if err := rt.Register(noop()); err != nil {
		t.Fatal(err)
	}
	runFor(t, rt)
	srv, err := httpserver.New(httpParams(cfg, zaptest.NewLogger(t), rt.metrics, rt, Setup{}))
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve() }()
	t.Cleanup(func() { _ = srv.Shutdown(time.Second) })
	readyz := func() (int, map[string]string) {
		resp, err := http.Get("http://" + srv.Addr().String() + "/readyz")
		if err != nil {
			return 0, nil
		}
		defer resp.Body.Close()
		var body map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	redistest.Eventually(t, 10*time.Second, func() bool { c, _ := readyz(); return c == http.StatusOK }, "ready")

	used, err := usedMemory(ctx, rdb)
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used+512<<10, 10)).Err(); err != nil {
		t.Fatal(err)
	}
	// Fill with ever smaller values (a refused big value only says that
	// it would not fit), until even a tiny write is refused.
	full, n := false, 0
	for _, size := range []int{32 << 10, 1 << 10, 16} {
		value := strings.Repeat("x", size)
		full = false
		for i := 0; i < 2000 && !full; i++ {
			n++
			err := rdb.Set(ctx, "fill:"+strconv.Itoa(n), value, 0).Err()
			full = redis.HasErrorPrefix(err, "OOM")
			if err != nil && !full {
				t.Fatal(err)
			}
		}
	}
	if !full || rdb.Ping(ctx).Err() != nil {
		t.Fatal("Redis did not reach maxmemory while answering PING")
	}
	var code int
	var body map[string]string
	redistest.Eventually(t, 5*time.Second, func() bool { code, body = readyz(); return code == http.StatusServiceUnavailable }, "not ready at maxmemory")
	if !strings.Contains(body["reason"], "out of memory") {
		t.Fatalf("/readyz %d %v: want the reason out of memory", code, body)
	}
	var nr *NotReadyError
	if err := rt.Ready(ctx); !errors.As(err, &nr) || !redis.HasErrorPrefix(nr.Err, "OOM") {
		t.Fatalf("Ready: %v, want a NotReadyError caused by OOM", err)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 5*time.Second, func() bool { c, _ := readyz(); return c == http.StatusOK }, "ready again once memory is free")
}

func usedMemory(ctx context.Context, rdb *redis.Client) (int64, error) {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, errors.New("no used_memory in INFO")
}

// TestRingClientIsRefused: a Ring client, which shards keys without hash
// slots, is refused with a clear error instead of failing commits.
func TestRingClientIsRefused(t *testing.T) {
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	rt := New(checkConfig("a"), ring, zaptest.NewLogger(t), nil)
	if err := rt.Register(noop()); !errors.Is(err, ErrRingUnsupported) {
		t.Fatalf("Register with a Ring client: %v, want ErrRingUnsupported", err)
	}
	if err := rt.Run(context.Background()); !errors.Is(err, ErrRingUnsupported) {
		t.Fatalf("Run with a Ring client: %v, want ErrRingUnsupported", err)
	}
}

func TestAllowEvictionFromTheEnvironment(t *testing.T) {
	if DefaultConfig().AllowEviction {
		t.Fatal("ALLOW_EVICTION defaults to true")
	}
	t.Setenv("ALLOW_EVICTION", "true")
	cfg, err := LoadConfig()
	if err != nil || !cfg.AllowEviction {
		t.Fatalf("ALLOW_EVICTION=true gave AllowEviction=%v (%v)", cfg.AllowEviction, err)
	}
}

// TestOneEvictingMasterIsRefused: on a Redis Cluster every master has its
// own configuration; one master that evicts (it loses its slots' events
// and records) is enough to refuse the start, whichever node the client
// happens to ask.
func TestOneEvictingMasterIsRefused(t *testing.T) {
	cluster := redistest.NewCluster(t, redistest.ClusterOptions{Masters: 3})
	cc := cluster.Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	masters, err := cluster.Masters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	last := masters[len(masters)-1]
	if err := last.Client(t).ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err(); err != nil {
		t.Fatal(err)
	}
	rt := New(checkConfig("a"), cc, zaptest.NewLogger(t), nil)
	if err := rt.Register(noop()); err != nil {
		t.Fatal(err)
	}
	err = rt.Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "allkeys-lru") {
		t.Fatalf("Run on a Cluster with one evicting master: %v; want a refusal naming the policy", err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run waited instead of refusing")
	}
}
