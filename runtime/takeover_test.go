package runtime_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

// TestHealthyPeersDoNotStealReadAhead (finding 7): two healthy instances,
// slow handlers under a backlog, so that entries wait read ahead for
// longer than CLAIM_MIN_IDLE. Every delivered entry is renewed, not only
// the running ones: each event runs exactly once.
func TestHealthyPeersDoNotStealReadAhead(t *testing.T) {
	rdb, stream, name := fixture(t, "readahead")
	const n = 40
	for i := range n {
		publish(t, rdb, stream, "t", eventID(i), map[string]int{})
	}
	runs := newCounter()
	fn := runtime.Function{Name: name, Streams: []string{stream}, Concurrency: 2,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			runs.inc(m.EventID)
			time.Sleep(60 * time.Millisecond)
			return nil
		})}
	for range 2 {
		cfg := testConfig()
		cfg.BatchSize = 5 // 20 in flight per instance: ~600ms of work, twice CLAIM_MIN_IDLE
		start(t, rdb, cfg, fn)
	}
	redistest.Eventually(t, 30*time.Second, func() bool { return runs.distinct() == n && pending(t, rdb, stream, name) == 0 }, "all %d events settled", n)
	if runs.total() != n {
		t.Fatalf("%d runs for %d events: healthy peers took each other's read-ahead", runs.total(), n)
	}
}

// TestHungHandlerIsGivenUpAndItsKeyMovesOn (finding 13): a handler that
// hangs and ignores its context. Past the invocation timeout its attempt
// fails, it is retried, and the next entry of its key runs. Both with the
// function's own Timeout and with the default one (INVOCATION_TIMEOUT).
func TestHungHandlerIsGivenUpAndItsKeyMovesOn(t *testing.T) {
	for _, own := range []bool{true, false} {
		t.Run("function timeout "+strconv.FormatBool(own), func(t *testing.T) {
			rdb, stream, name := fixture(t, "hung")
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			var log runLog
			cfg := testConfig()
			fn := runtime.Function{Name: name, Streams: []string{stream}, OrderingKey: "entity_id",
				Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
					log.add(m.EventID + "#" + strconv.Itoa(m.Attempt))
					if m.EventID == "e1" && m.Attempt == 1 {
						<-release // hangs, deaf to ctx
					}
					return nil
				})}
			if own {
				fn.Timeout = 200 * time.Millisecond
			} else {
				setInvocationTimeout(&cfg, 200*time.Millisecond)
			}
			start(t, rdb, cfg, fn)
			xaddOfKey(t, rdb, stream, "e1", "k")
			xaddOfKey(t, rdb, stream, "e2", "k")
			redistest.Eventually(t, 10*time.Second, func() bool { return log.len() >= 3 && pending(t, rdb, stream, name) == 0 }, "both entries settled")
			if ran := log.list(); len(ran) != 3 || ran[0] != "e1#1" || ran[1] != "e1#2" || ran[2] != "e2#1" {
				t.Fatalf("runs %v, want [e1#1 e1#2 e2#1]: the hung attempt given up, retried, then the key's next entry", ran)
			}
		})
	}
}

// TestPausedProcessKeepsItsWork (finding 9): a process is paused
// (SIGSTOP) for 5 s while a peer runs: longer than the liveness TTL, shorter
// than CLAIM_MIN_IDLE. The peer takes nothing over, and no event runs
// twice.
func TestPausedProcessKeepsItsWork(t *testing.T) {
	rdb := srv.Client(t)
	stream, name, runs := uniq("events:paused"), uniq("paused"), uniq("runs")
	g := proctest.NewGroup(t)
	env := []string{mainEnv + "=1", "REDIS_URL=" + srv.URL(), "READ_BLOCK=100ms", "LOG_LEVEL=warn",
		"STREAM=" + stream, "FUNCTION=" + name, "RUNS_KEY=" + runs, "SLOW_MS=100",
		"CONCURRENCY=2", "BATCH_SIZE=4", "CLAIM_MIN_IDLE=10s", "CLAIM_INTERVAL=500ms"}
	a, err := g.StartFree("a", os.Args[0], env)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.WaitStatus("/readyz", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	const n = 24
	for i := range n {
		publish(t, rdb, stream, "t", eventID(i), map[string]int{})
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return len(runsOf(t, runs)) > 0 }, "a at work")
	b, err := g.StartFree("b", os.Args[0], env)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WaitStatus("/readyz", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(a.Pid(), syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Second) // the pause under test
	if err := syscall.Kill(a.Pid(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 30*time.Second, func() bool {
		return pending(t, rdb, stream, name) == 0 && len(runsOf(t, runs)) == n
	}, "all events settled")
	for id, c := range runsOf(t, runs) {
		if c != 1 {
			t.Errorf("%s ran %d times", id, c)
		}
	}
}

// TestNoTakeoverWhileRedisRefusesWrites (finding 10): at maxmemory Redis
// refuses SET (liveness keys lapse, commits fail) but not XCLAIM or
// XAUTOCLAIM. Two instances must not take each other's entries meanwhile:
// once memory is back, every event has run once.
func TestNoTakeoverWhileRedisRefusesWrites(t *testing.T) {
	own, err := redistest.Start(redistest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = own.Close() })
	rdb := redis.NewClient(own.Options())
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	stream, name := "events:oom", "oom"
	gate := make(chan struct{})
	runs := newCounter()
	fn := runtime.Function{Name: name, Streams: []string{stream}, Concurrency: 8, Timeout: time.Minute,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			runs.inc(m.EventID)
			<-gate
			return nil
		})}
	for range 2 {
		start(t, rdb, testConfig(), fn)
	}
	const n = 8
	for i := range n {
		publish(t, rdb, stream, "t", eventID(i), map[string]int{})
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return runs.distinct() == n }, "every event running")
	if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, "probe", "1", 0).Err(); err == nil || !redis.HasErrorPrefix(err, "OOM") {
		t.Fatalf("SET under maxmemory: %v, want OOM", err)
	}
	close(gate)                 // the handlers finish; their commits are refused
	time.Sleep(4 * time.Second) // past the liveness TTL (3s), many claim intervals
	if runs.total() != n {
		t.Fatalf("%d runs of %d events while Redis refused writes: instances took each other's work", runs.total(), n)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 20*time.Second, func() bool { return pending(t, rdb, stream, name) == 0 }, "committed once memory is back")
	if runs.total() != n {
		t.Fatalf("%d runs of %d events", runs.total(), n)
	}
}

// TestHungHandlerIsGivenUpUnordered: the same without an ordering key, on
// one worker: the hung attempt is given up, the entries behind it in its
// chunk run, and the hung event is retried.
func TestHungHandlerIsGivenUpUnordered(t *testing.T) {
	rdb, stream, name := fixture(t, "hungchunk")
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	done := newCounter()
	start(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, Concurrency: 1, Timeout: 200 * time.Millisecond,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			if m.EventID == "h0" && m.Attempt == 1 {
				<-release // hangs, deaf to ctx
			}
			done.inc(m.EventID)
			return nil
		})})
	for i := range 5 {
		publish(t, rdb, stream, "t", "h"+strconv.Itoa(i), map[string]int{})
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return done.distinct() == 5 && pending(t, rdb, stream, name) == 0 },
		"every event done, the hung one by its retry")
	if done.get("h0") != 1 {
		t.Fatalf("h0 completed %d times", done.get("h0"))
	}
}

// TestRenewalNeverClaimsBackATakenEntry: an entry this instance waits on
// (a retry in place) is taken over by another, live consumer. Renewal
// leaves it to that consumer, and this instance does not run it again.
func TestRenewalNeverClaimsBackATakenEntry(t *testing.T) {
	rdb, stream, name := fixture(t, "fenced")
	runs := newCounter()
	cfg := testConfig()
	cfg.BackoffBase, cfg.BackoffMax = time.Second, time.Second
	start(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}, OrderingKey: "entity_id",
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			runs.inc(m.EventID)
			return errors.New("fails")
		})})
	id := xaddOfKey(t, rdb, stream, "f1", "k")
	redistest.Eventually(t, 10*time.Second, func() bool { return runs.get("f1") == 1 }, "first attempt")
	ctx := context.Background()
	// A live consumer takes it over and keeps it claimed, past the retry's
	// backoff and many renewals.
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if err := rdb.XClaimJustID(ctx, &redis.XClaimArgs{Stream: stream, Group: name, Consumer: "thief", Messages: []string{id}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	p, err := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: name, Start: "-", End: "+", Count: 10}).Result()
	if err != nil || len(p) != 1 || p[0].Consumer != "thief" {
		t.Fatalf("pending %+v, %v: want the entry still on the consumer that took it", p, err)
	}
	if n := runs.get("f1"); n != 1 {
		t.Fatalf("ran %d times here after it was taken over", n)
	}
}
