package runtime

import (
	"context"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap/zaptest"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/partition"
)

// TestFormerOwnerCommitsNothing (fencing by partition lease): an owner
// of a partition is running an entry's handler when its lease passes on,
// expired (nobody holds it) or taken by another tenure, while the entry is
// still pending to it. Its commit must write nothing: no emit, no ack, no
// idempotency record, and it is counted as fenced.
func TestFormerOwnerCommitsNothing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steal func(rdb *redis.Client, lease string)
	}{
		{"lease expired", func(rdb *redis.Client, lease string) { rdb.Del(context.Background(), lease) }},
		{"lease taken over", func(rdb *redis.Client, lease string) { rdb.Set(context.Background(), lease, "B:99", time.Minute) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rdb := startRedis(t)
			ctx := context.Background()
			const family, name, out = "events:lf", "lf", "events:lf-out"
			running, release := make(chan struct{}), make(chan struct{})
			cfg := checkConfig("A")
			cfg.Partitions = 1
			cfg.PartitionLease = time.Minute // renewed every 20 s: not during the test
			a := New(cfg, rdb, zaptest.NewLogger(t), nil)
			if err := a.Register(Function{Name: name, Streams: []string{family}, Partitioned: true, OrderingKey: "entity_id",
				Handler: HandlerFunc(func(ctx context.Context, m *Message) error {
					close(running)
					<-release
					m.Emit(out, map[string]string{"type": "done", "event_id": "out-" + m.EventID, "data": "{}"})
					return nil
				})}); err != nil {
				t.Fatal(err)
			}
			runFor(t, a)
			lease := partition.Lease(name, 0)
			redistest.Eventually(t, 10*time.Second, func() bool { return rdb.Exists(ctx, lease).Val() == 1 }, "A holds the partition")
			stream := partition.Stream(family, 0)
			rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []string{"type", "t", "event_id", "f1", "data", "{}", "entity_id", "x"}})
			select {
			case <-running:
			case <-time.After(10 * time.Second):
				t.Fatal("A's handler did not start")
			}
			tc.steal(rdb, lease)
			close(release)
			fenced := a.metrics.fenced.WithLabelValues(name, stream)
			redistest.Eventually(t, 10*time.Second, func() bool { var m dto.Metric; _ = fenced.Write(&m); return m.GetCounter().GetValue() == 1 }, "A's commit fenced")
			if n := rdb.XLen(ctx, out).Val(); n != 0 {
				t.Fatalf("%d events emitted by a former owner", n)
			}
			p := rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: stream, Group: name, Start: "-", End: "+", Count: 10}).Val()
			if len(p) != 1 || p[0].Consumer != "A" {
				t.Fatalf("pending %+v, want the entry still pending (to A, for the next owner to claim)", p)
			}
			if d, _ := newDoneRecords(rdb, name, cfg.IdempotencyTTL).Done(ctx, []string{"f1"}); d[0] {
				t.Fatal("a former owner recorded the event as done")
			}
		})
	}
}
