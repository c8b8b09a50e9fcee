package runtime

import (
	"context"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TestTakenOverEntryIsCommittedByItsNewOwnerOnly (fencing, end to end):
// instance A is running an entry's handler when the entry is claimed by
// consumer B. A's commit must write nothing (no emit, no ack: the entry
// stays B's) and is counted as fenced; B then runs it and its commit writes.
func TestTakenOverEntryIsCommittedByItsNewOwnerOnly(t *testing.T) {
	_, rdb := startRedis(t)
	ctx := context.Background()
	const stream, name, out = "events:fence", "fence", "events:fence:out"
	running, release := make(chan struct{}), make(chan struct{})
	handler := func(block bool) Function {
		return Function{Name: name, Streams: []string{stream},
			Handler: HandlerFunc(func(ctx context.Context, m *Message) error {
				if block {
					close(running)
					<-release
				}
				m.Emit(out, map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
				return nil
			})}
	}
	// A neither renews nor reclaims during the test (the takeover is done
	// by hand below, so that it happens exactly while A's handler runs).
	cfgA := checkConfig("A")
	cfgA.ClaimInterval, cfgA.ClaimMinIdle = time.Hour, 3*time.Hour
	a := New(cfgA, rdb, zaptest.NewLogger(t), nil)
	if err := a.Register(handler(true)); err != nil {
		t.Fatal(err)
	}
	runFor(t, a)
	redistest.Eventually(t, 10*time.Second, func() bool { return a.Ready(ctx) == nil }, "A ready")
	id := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", "f1", "data", "{}"}}).Val()
	select {
	case <-running:
	case <-time.After(10 * time.Second):
		t.Fatal("A's handler did not start")
	}
	if err := rdb.XClaim(ctx, &redis.XClaimArgs{Stream: stream, Group: name, Consumer: "B", Messages: []string{id}}).Err(); err != nil {
		t.Fatal(err)
	}
	close(release)
	fenced := a.metrics.fenced.WithLabelValues(name, stream)
	redistest.Eventually(t, 10*time.Second, func() bool { var m dto.Metric; _ = fenced.Write(&m); return m.GetCounter().GetValue() == 1 }, "A's commit fenced")
	if n := rdb.XLen(ctx, out).Val(); n != 0 {
		t.Fatalf("%d events emitted by A, which no longer owned the entry", n)
	}
	p := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: name, Start: "-", End: "+", Count: 10}).Val()
	if len(p) != 1 || p[0].Consumer != "B" {
		t.Fatalf("pending %+v, want the entry still pending to B", p)
	}
	if d, _ := newDoneRecords(rdb, name, cfgA.IdempotencyTTL).Done(ctx, []string{"f1"}); d[0] {
		t.Fatal("A recorded the event as done")
	}
	// B starts, drains its own pending entry and commits it.
	b := New(checkConfig("B"), rdb, zaptest.NewLogger(t), nil)
	if err := b.Register(handler(false)); err != nil {
		t.Fatal(err)
	}
	runFor(t, b)
	redistest.Eventually(t, 10*time.Second, func() bool {
		return rdb.XLen(ctx, out).Val() == 1 && rdb.XPending(ctx, stream, name).Val().Count == 0
	}, "B's commit written")
}
