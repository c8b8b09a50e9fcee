package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

func TestRedeliveredCompletedEventIsNotRerun(t *testing.T) {
	rdb, stream, name := fixture(t, "idem")
	calls := startCounting(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}}, func(m *runtime.Message) error {
		m.Emit(stream+":out", map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
		return nil
	})
	publish(t, rdb, stream, "t", "dup", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return calls.get("dup") == 1 && pending(t, rdb, stream, name) == 0 }, "first delivery")
	// The same event again (a publisher retry, a replay): acked, not run.
	publish(t, rdb, stream, "t", "dup", map[string]int{})
	publish(t, rdb, stream, "t", "after", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return calls.get("after") == 1 && pending(t, rdb, stream, name) == 0 }, "later event")
	if calls.get("dup") != 1 {
		t.Fatalf("completed event ran %d times", calls.get("dup"))
	}
	if n := xlen(t, rdb, stream+":out"); n != 2 {
		t.Fatalf("%d emitted events, want 2", n)
	}
}

// TestCrashBetweenHandlerAndCommit: an instance runs the handler (which
// emits) and dies before committing. Nothing it emitted may be visible and
// the entry must stay pending; the instance that reclaims it emits exactly
// once, with the ack and the idempotency record.
func TestCrashBetweenHandlerAndCommit(t *testing.T) {
	rdb, stream, name := fixture(t, "atomic")
	out := stream + ":out"
	inHandler := make(chan struct{})
	crashing := atomic.Bool{}
	crashing.Store(true)
	handler := runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
		m.Emit(out, map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
		if crashing.Load() {
			close(inHandler)
			<-ctx.Done() // the process dies here, between handler and commit
			return ctx.Err()
		}
		return nil
	})
	cfg := testConfig()
	cfg.ShutdownTimeout = 100 * time.Millisecond
	first := start(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}, Handler: handler})
	publish(t, rdb, stream, "t", "a1", map[string]int{})
	<-inHandler
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	if n := xlen(t, rdb, out); n != 0 {
		t.Fatalf("%d events emitted by an invocation that never committed", n)
	}
	if p := pending(t, rdb, stream, name); p != 1 {
		t.Fatalf("%d pending, want the uncommitted entry still pending", p)
	}
	crashing.Store(false)
	start(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, Handler: handler})
	redistest.Eventually(t, 10*time.Second, func() bool { return pending(t, rdb, stream, name) == 0 }, "reclaimed and acked")
	if n := xlen(t, rdb, out); n != 1 {
		t.Fatalf("%d emitted events after recovery, want exactly 1", n)
	}
	keys, _ := rdb.Keys(context.Background(), runtime.DoneKeyPrefix(name, stream)+"*").Result()
	records := int64(0)
	for _, k := range keys {
		records += rdb.HLen(context.Background(), k).Val()
	}
	if records != 1 {
		t.Fatalf("%d idempotency records in %v, want one", records, keys)
	}
}

func TestPerKeyOrderingUnderConcurrency(t *testing.T) {
	rdb := srv.Client(t)
	stream, name := uniq("events:order"), uniq("ordered")
	const keys, n = 10, 1000
	var mu sync.Mutex
	seen := map[string][]int{}
	running := map[string]*atomic.Int32{}
	for k := range keys {
		running[fmt.Sprintf("k%d", k)] = &atomic.Int32{}
	}
	var overlaps, maxParallel, now atomic.Int32
	cfg := testConfig()
	start(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}, OrderingKey: "entity_id", Concurrency: 8,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			key := m.Fields["entity_id"]
			if running[key].Add(1) != 1 {
				overlaps.Add(1)
			}
			p := now.Add(1)
			for {
				mp := maxParallel.Load()
				if p <= mp || maxParallel.CompareAndSwap(mp, p) {
					break
				}
			}
			for range rand.IntN(50) {
				goruntime.Gosched() // a little work, to let other keys interleave
			}
			var d struct{ Seq int }
			_ = m.Decode(&d)
			mu.Lock()
			seen[key] = append(seen[key], d.Seq)
			mu.Unlock()
			now.Add(-1)
			running[key].Add(-1)
			return nil
		})})
	pipe := rdb.Pipeline()
	for i := range n {
		key := fmt.Sprintf("k%d", rand.IntN(keys))
		pipe.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: map[string]any{
			"type": "t", "event_id": eventID(i), "entity_id": key, "data": fmt.Sprintf(`{"seq":%d}`, i)}})
	}
	if _, err := pipe.Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		total := 0
		for _, s := range seen {
			total += len(s)
		}
		return total == n
	}, "all events handled")
	if overlaps.Load() != 0 {
		t.Fatalf("%d times two events of one key ran at once", overlaps.Load())
	}
	for key, s := range seen {
		for i := 1; i < len(s); i++ {
			if s[i] <= s[i-1] {
				t.Fatalf("key %s: seq %d ran after %d", key, s[i], s[i-1])
			}
		}
	}
	t.Logf("max parallel invocations across keys: %d", maxParallel.Load())
}

// startSickKey starts fn with cfg, ordered by entity_id, with a handler
// that fails every event of the key "sick" and counts the calls of the
// others by event id (the counter it returns).
func startSickKey(t *testing.T, rdb redis.UniversalClient, cfg runtime.Config, fn runtime.Function) *counter {
	t.Helper()
	ok := newCounter()
	fn.OrderingKey = "entity_id"
	fn.Handler = runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
		if m.Fields["entity_id"] == "sick" {
			return errors.New("sick key")
		}
		ok.inc(m.EventID)
		return nil
	})
	start(t, rdb, cfg, fn)
	return ok
}

func TestFailingKeyDoesNotStallOtherKeys(t *testing.T) {
	rdb, stream, name := fixture(t, "stall")
	cfg := testConfig()
	cfg.BackoffBase, cfg.BackoffMax = time.Hour, time.Hour
	ok := startSickKey(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}, Concurrency: 2})
	xaddOfKey(t, rdb, stream, "s0", "sick")
	xaddOfKey(t, rdb, stream, "s1", "sick")
	for i := range 20 {
		xaddOfKey(t, rdb, stream, eventID(i), fmt.Sprintf("h%d", i%3))
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return ok.distinct() == 20 }, "healthy keys run while one key retries")
}

// TestDeadConsumersPendingEntriesAreReclaimed: a consumer that read
// entries and died (it has no liveness key) has them taken over at once,
// and is removed from the group once idle.
func TestDeadConsumersPendingEntriesAreReclaimed(t *testing.T) {
	rdb, stream, name := fixture(t, "reclaim")
	ctx := context.Background()
	for i := range 5 {
		publish(t, rdb, stream, "t", eventID(i), map[string]int{})
	}
	// A consumer reads the entries and dies without acking.
	readUnacked(t, rdb, stream, name, "dead-one", 10)
	if p := pending(t, rdb, stream, name); p != 5 {
		t.Fatalf("%d pending on the dead consumer, want 5", p)
	}
	cfg := testConfig()
	cfg.ConsumerGoneAfter = 200 * time.Millisecond
	began := time.Now()
	got := startCounting(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}}, nil)
	redistest.Eventually(t, 10*time.Second, func() bool { return got.distinct() == 5 && pending(t, rdb, stream, name) == 0 }, "reclaimed")
	t.Logf("taken over %v after start", time.Since(began))
	if got.total() != 5 {
		t.Fatalf("%d invocations for 5 reclaimed entries", got.total())
	}
	redistest.Eventually(t, 10*time.Second, func() bool {
		cs, _ := rdb.XInfoConsumers(ctx, stream, name).Result()
		for _, c := range cs {
			if c.Name == "dead-one" {
				return false
			}
		}
		return true
	}, "gone consumer removed from the group")
}

func TestRedisRestartMidRun(t *testing.T) {
	own, err := redistest.Start(redistest.Options{AppendOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = own.Close() })
	rdb := redis.NewClient(&redis.Options{Addr: own.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	stream, name := "events:restart", "restart"
	out := stream + ":out"
	var calls atomic.Int32
	start(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, Concurrency: 4,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			calls.Add(1)
			m.Emit(out, map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}", "src": m.EventID})
			return nil
		})})
	const n = 300
	for i := range n / 2 {
		publish(t, rdb, stream, "t", eventID(i), map[string]int{})
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return calls.Load() > 0 }, "work started")
	if err := own.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := own.Restart(); err != nil {
		t.Fatal(err)
	}
	for i := n / 2; i < n; i++ {
		publish(t, rdb, stream, "t", eventID(i), map[string]int{})
	}
	redistest.Eventually(t, 30*time.Second, func() bool {
		l, _ := rdb.XLen(context.Background(), out).Result()
		p, _ := rdb.XPending(context.Background(), stream, name).Result()
		return l >= n && p != nil && p.Count == 0
	}, "all events handled after the restart")
	xs, err := rdb.XRange(context.Background(), out, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	srcs := map[any]int{}
	for _, x := range xs {
		srcs[x.Values["src"]]++
	}
	if len(xs) != n || len(srcs) != n {
		t.Fatalf("%d emitted for %d distinct events; want exactly %d each once", len(xs), len(srcs), n)
	}
}

func TestFunctionsRegisterThemselves(t *testing.T) {
	rdb, stream, name := fixture(t, "reg")
	start(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, Types: []string{"b", "a"},
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error { return nil })})
	fns, err := runtime.ListFunctions(context.Background(), rdb, runtime.DefaultRegistryKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range fns {
		if fi.Name == name {
			if fi.Group != name || len(fi.Streams) != 1 || fi.Streams[0] != stream || fi.DeadLetter != "dlq:"+name || len(fi.Types) != 2 || fi.Types[0] != "a" {
				t.Fatalf("registry entry %+v", fi)
			}
			return
		}
	}
	t.Fatalf("function %s not in the registry: %+v", name, fns)
}

func TestRuntimeWithoutFunctionsIsReady(t *testing.T) {
	start(t, srv.Client(t), testConfig())
}

// TestLiveConsumersEntriesWaitForIdle: entries pending on a consumer that
// is alive (its liveness key exists) are left to it until they have been
// idle for CLAIM_MIN_IDLE (it may be stuck), then reclaimed.
func TestLiveConsumersEntriesWaitForIdle(t *testing.T) {
	rdb, stream, name := fixture(t, "live")
	publish(t, rdb, stream, "t", "l1", map[string]int{})
	readUnacked(t, rdb, stream, name, "busy-one", 10)
	rdb.Set(context.Background(), "fn:{"+name+"}:alive:busy-one", "1", time.Minute)
	cfg := testConfig()
	cfg.ClaimMinIdle = 2 * time.Second
	began := time.Now()
	got := startCounting(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}}, nil)
	redistest.Eventually(t, 10*time.Second, func() bool { return got.get("l1") == 1 }, "reclaimed after the idle time")
	if since := time.Since(began); since < cfg.ClaimMinIdle-200*time.Millisecond {
		t.Fatalf("a live consumer's entry was taken after %v, before CLAIM_MIN_IDLE %v", since, cfg.ClaimMinIdle)
	}
}

// TestPerKeyOrderSurvivesFailover: e1 of key k is pending on a consumer
// that died, e2 of k arrives later; the instance that starts waits for e1
// to be idle for CLAIM_MIN_IDLE, takes it over and runs it before e2.
func TestPerKeyOrderSurvivesFailover(t *testing.T) {
	rdb, stream, name := fixture(t, "failover")
	xaddOfKey(t, rdb, stream, "e1", "k")
	readUnacked(t, rdb, stream, name, "crashed", 1)
	xaddOfKey(t, rdb, stream, "e2", "k")
	var log runLog
	cfg := testConfig()
	cfg.ClaimMinIdle = time.Second
	cfg.ClaimInterval = 100 * time.Millisecond
	start(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}, OrderingKey: "entity_id",
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			log.add(m.EventID)
			return nil
		})})
	redistest.Eventually(t, 10*time.Second, func() bool { return log.len() == 2 }, "both events run")
	if ran := log.list(); ran[0] != "e1" || ran[1] != "e2" {
		t.Fatalf("key k ran %v, want [e1 e2]", ran)
	}
}
