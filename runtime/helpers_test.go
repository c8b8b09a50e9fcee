package runtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

var srv *redistest.Server

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) != "" {
		runMainProcess()
		return
	}
	os.Exit(redistest.Run(m, &srv))
}

var nameSeq atomic.Int64

// uniq returns a name no other test uses, so tests can share the server.
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e6, nameSeq.Add(1))
}

// fixture returns the shared server's client and a stream and function
// name no other test uses: events:<prefix>-… and <prefix>-….
func fixture(t *testing.T, prefix string) (*redis.Client, string, string) {
	t.Helper()
	return srv.Client(t), uniq("events:" + prefix), uniq(prefix)
}

// testConfig is a Config tuned for fast tests.
func testConfig() runtime.Config {
	cfg := runtime.DefaultConfig()
	cfg.ReadBlock = 100 * time.Millisecond
	cfg.BackoffBase = 50 * time.Millisecond
	cfg.BackoffMax = 500 * time.Millisecond
	cfg.RetryPollInterval = 50 * time.Millisecond
	cfg.ClaimMinIdle = 300 * time.Millisecond
	cfg.ClaimInterval = 50 * time.Millisecond
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.ConsumerName = uniq("consumer")
	return cfg
}

// instance is a running Runtime; stop ends it and returns Run's error.
type instance struct {
	rt   *runtime.Runtime
	stop func() error
}

// start runs a Runtime with fns until the test ends (or stop is called).
func start(t *testing.T, rdb redis.UniversalClient, cfg runtime.Config, fns ...runtime.Function) *instance {
	t.Helper()
	rt := runtime.New(cfg, rdb, zaptest.NewLogger(t), nil)
	for _, fn := range fns {
		if err := rt.Register(fn); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- rt.Run(ctx) }()
	stopped := false
	var runErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case runErr = <-errc:
			case <-time.After(30 * time.Second):
				t.Error("runtime did not stop within 30s")
			}
		}
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	redistest.Eventually(t, 10*time.Second, func() bool { return rt.Ready(context.Background()) == nil }, "runtime ready")
	return &instance{rt: rt, stop: stop}
}

// publish XADDs a well-formed event and returns its entry id.
func publish(t testing.TB, rdb redis.UniversalClient, stream, typ, eventID string, data any) string {
	t.Helper()
	b, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	return xadd(t, rdb, stream, map[string]any{"type": typ, "event_id": eventID, "data": string(b)})
}

func xadd(t testing.TB, rdb redis.UniversalClient, stream string, fields map[string]any) string {
	t.Helper()
	id, err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: fields}).Result()
	if err != nil {
		t.Fatalf("XADD %s: %v", stream, err)
	}
	return id
}

// xaddOfKey XADDs a well-formed event of entity key (field entity_id, the
// ordering key of the tests' ordered functions) with empty data and
// returns its entry id.
func xaddOfKey(t testing.TB, rdb redis.UniversalClient, stream, eventID, key string) string {
	t.Helper()
	return xadd(t, rdb, stream, map[string]any{"type": "t", "event_id": eventID, "entity_id": key, "data": "{}"})
}

// readUnacked creates group on stream, from its first entry, and reads
// up to n entries as consumer, which never acks them: they stay pending
// on it, as on a consumer that crashed.
func readUnacked(t testing.TB, rdb redis.UniversalClient, stream, group, consumer string, n int64) {
	t.Helper()
	ctx := context.Background()
	if err := rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err(); err != nil {
		t.Fatalf("XGROUP CREATE %s %s: %v", stream, group, err)
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: consumer, Streams: []string{stream, ">"}, Count: n}).Err(); err != nil {
		t.Fatalf("XREADGROUP %s as %s: %v", stream, consumer, err)
	}
}

// pending returns the number of entries pending in group on stream.
func pending(t testing.TB, rdb redis.UniversalClient, stream, group string) int64 {
	t.Helper()
	p, err := rdb.XPending(context.Background(), stream, group).Result()
	if err != nil {
		t.Fatalf("XPENDING: %v", err)
	}
	return p.Count
}

func xlen(t testing.TB, rdb redis.UniversalClient, stream string) int64 {
	t.Helper()
	n, err := rdb.XLen(context.Background(), stream).Result()
	if err != nil {
		t.Fatalf("XLEN %s: %v", stream, err)
	}
	return n
}

func deadLetters(t testing.TB, rdb redis.UniversalClient, function string) []inspect.DeadLetter {
	t.Helper()
	return opstest.DeadLetters(t, rdb, function)
}

// counter counts invocations per event id.
type counter struct {
	mu sync.Mutex
	m  map[string]int
}

func newCounter() *counter { return &counter{m: map[string]int{}} }

func (c *counter) inc(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[id]++
	return c.m[id]
}

// handler is a Handler that counts each call by event id, then returns
// what then returns (or panics if it does); a nil then succeeds.
func (c *counter) handler(then func(*runtime.Message) error) runtime.Handler {
	return runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
		c.inc(m.EventID)
		if then == nil {
			return nil
		}
		return then(m)
	})
}

func (c *counter) get(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

func (c *counter) total() (n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.m {
		n += v
	}
	return n
}

func (c *counter) distinct() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// runLog records what handlers ran (event ids, say), in the order they
// ran.
type runLog struct {
	mu  sync.Mutex
	ran []string
}

func (l *runLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ran = append(l.ran, s)
}

func (l *runLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ran)
}

// list returns a copy of what ran so far.
func (l *runLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ran...)
}

// startCounting starts fn with cfg, its handler a new counter's (see
// counter.handler), and returns the counter.
func startCounting(t *testing.T, rdb redis.UniversalClient, cfg runtime.Config, fn runtime.Function, then func(*runtime.Message) error) *counter {
	t.Helper()
	calls := newCounter()
	fn.Handler = calls.handler(then)
	start(t, rdb, cfg, fn)
	return calls
}

// startFailing starts function name on stream, with maxAttempts, whose
// handler counts each call by event id and then fails as fail does (its
// error, or its panic); the counter it returns holds the calls.
func startFailing(t *testing.T, rdb redis.UniversalClient, stream, name string, maxAttempts int, fail func(*runtime.Message) error) *counter {
	t.Helper()
	return startCounting(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, MaxAttempts: maxAttempts}, fail)
}

func eventID(i int) string { return "e" + strconv.Itoa(i) }
