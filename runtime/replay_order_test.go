package runtime_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
)

// TestReplayOfAnOrderedFunctionNeverRunsBesideItsKey (suspected item): a
// dead letter of key k is replayed while a newer event of k runs. The
// replay waits for it (never two events of one key at once on an
// instance), and, as documented, runs after the newer events of its key
// handled meanwhile.
func TestReplayOfAnOrderedFunctionNeverRunsBesideItsKey(t *testing.T) {
	rdb, stream, name := fixture(t, "replayorder")
	var broken atomic.Bool
	broken.Store(true)
	var running, overlaps atomic.Int32
	var log runLog
	e2Running := make(chan struct{}, 1)
	start(t, rdb, testConfig(), runtime.Function{Name: name, Streams: []string{stream}, OrderingKey: "entity_id", Timeout: time.Minute,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			if running.Add(1) != 1 {
				overlaps.Add(1)
			}
			defer running.Add(-1)
			if m.EventID == "e1" && broken.Load() {
				return runtime.Permanent(errors.New("broken"))
			}
			if m.EventID == "e2" {
				e2Running <- struct{}{}
				time.Sleep(time.Second)
			}
			log.add(m.EventID)
			return nil
		})})
	xaddOfKey(t, rdb, stream, "e1", "k")
	redistest.Eventually(t, 10*time.Second, func() bool { return len(deadLetters(t, rdb, name)) == 1 }, "e1 dead-lettered")
	broken.Store(false)
	xaddOfKey(t, rdb, stream, "e2", "k")
	<-e2Running
	if err := inspect.Replay(context.Background(), rdb, deadLetters(t, rdb, name)[0]); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 15*time.Second, func() bool { return log.len() == 2 }, "both ran")
	if n := overlaps.Load(); n != 0 {
		t.Fatalf("the replay ran beside an event of its key (%d overlaps)", n)
	}
	if ran := log.list(); ran[0] != "e2" || ran[1] != "e1" {
		t.Fatalf("ran %v, want [e2 e1]: a replay runs after the newer events of its key", ran)
	}
}
