package runtime_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

// TestShutdownKeepsPerKeyOrder (finding 2): e1 of key k failed and waits
// for its retry in place when shutdown starts; e2 of k is queued behind
// it. Shutdown leaves both pending and runs neither; after a restart e1
// runs before e2.
func TestShutdownKeepsPerKeyOrder(t *testing.T) {
	rdb, stream, name := fixture(t, "stoporder")
	var log runLog
	var failing atomic.Bool
	failing.Store(true)
	fn := runtime.Function{Name: name, Streams: []string{stream}, OrderingKey: "entity_id",
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			log.add(m.EventID)
			if failing.Load() && m.EventID == "e1" {
				return errors.New("not yet")
			}
			return nil
		})}
	cfg := testConfig()
	cfg.BackoffBase, cfg.BackoffMax = 5*time.Second, 5*time.Second
	first := start(t, rdb, cfg, fn)
	xaddOfKey(t, rdb, stream, "e1", "k")
	xaddOfKey(t, rdb, stream, "e2", "k")
	redistest.Eventually(t, 10*time.Second, func() bool { return log.len() == 1 }, "e1 failed once")
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	if ran := log.list(); len(ran) != 1 {
		t.Fatalf("runs before the restart %v, want [e1]: shutdown released the key's next entry", ran)
	}
	failing.Store(false)
	if p := pending(t, rdb, stream, name); p != 2 {
		t.Fatalf("%d pending after shutdown, want e1 and e2", p)
	}
	start(t, rdb, testConfig(), fn)
	redistest.Eventually(t, 10*time.Second, func() bool { return pending(t, rdb, stream, name) == 0 }, "both settled after the restart")
	if ran := log.list(); len(ran) != 3 || ran[1] != "e1" || ran[2] != "e2" {
		t.Fatalf("runs %v, want [e1 e1 e2]", ran)
	}
}

// TestShutdownIsBounded (finding 4): Run returns within the documented
// bound, SHUTDOWN_TIMEOUT + 2 s (plus 250ms of scheduling slack here),
// with handlers that ignore their context, a backlog that fills every
// slot, and Redis up or killed as shutdown starts.
func TestShutdownIsBounded(t *testing.T) {
	for _, kill := range []bool{false, true} {
		name := "Redis up"
		if kill {
			name = "Redis killed"
		}
		for _, ordering := range []string{"", "entity_id"} {
			t.Run(name+" ordering "+ordering, func(t *testing.T) {
				own, err := redistest.Start(redistest.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = own.Close() })
				rdb := redis.NewClient(own.Options())
				logger := zaptest.NewLogger(t)
				if kill {
					// asynq may outlive Run with Redis down (see Runtime):
					// keep its client open and its logs out of the test's.
					logger = zap.NewNop()
				} else {
					t.Cleanup(func() { _ = rdb.Close() })
				}
				stream := "events:bound"
				running := make(chan struct{}, 100)
				cfg := testConfig()
				cfg.ShutdownTimeout, cfg.BatchSize = 500*time.Millisecond, 10
				rt := runtime.New(cfg, rdb, logger, nil)
				if err := rt.Register(runtime.Function{Name: "bound", Streams: []string{stream}, Concurrency: 2, OrderingKey: ordering, Timeout: time.Minute,
					Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
						running <- struct{}{}
						time.Sleep(5 * time.Second) // deaf to ctx
						return nil
					})}); err != nil {
					t.Fatal(err)
				}
				for i := range 200 {
					xaddOfKey(t, rdb, stream, eventID(i), eventID(i%7))
				}
				ctx, cancel := context.WithCancel(context.Background())
				errc := make(chan error, 1)
				go func() { errc <- rt.Run(ctx) }()
				<-running
				if kill {
					if err := own.Kill(); err != nil {
						t.Fatal(err)
					}
				}
				began := time.Now()
				cancel()
				bound := cfg.ShutdownTimeout + 2*time.Second + 250*time.Millisecond
				select {
				case err := <-errc:
					took := time.Since(began)
					t.Logf("Run returned after %v (bound %v)", took.Round(time.Millisecond), bound)
					if err != nil {
						t.Fatal(err)
					}
					if took > bound {
						t.Fatalf("Run returned after %v, over its bound %v", took, bound)
					}
				case <-time.After(20 * time.Second):
					t.Fatalf("Run had not returned 20s after shutdown began (bound %v)", bound)
				}
			})
		}
	}
}
