package runtime_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

// With COMMIT_REPLICAS, what a handler writes to Redis itself (a read
// model, a reservation: not through Emit) is on the replicas before its
// entry is acked: while the replica does not acknowledge, the invocation
// fails and its entry stays pending (a failover then would lose the write,
// with the entry acked, for good); once it does, the retry commits.
func TestHandlerWritesWaitForReplicas(t *testing.T) {
	master := redistest.New(t, redistest.Options{})
	replicaSrv := redistest.New(t, redistest.Options{Args: []string{"--replicaof", "127.0.0.1", strconv.Itoa(master.Port)}})
	rdb, replica := master.Client(t), replicaSrv.Client(t)
	ctx := context.Background()
	redistest.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(replica.Info(ctx, "replication").Val(), "master_link_status:up")
	}, "the replica in sync")

	stream, name := uniq("events:repl"), uniq("repl")
	cfg := testConfig()
	cfg.CommitReplicas, cfg.CommitReplicasTimeout = 1, 200*time.Millisecond
	var runs atomic.Int64
	start(t, rdb, cfg, runtime.Function{Name: name, Streams: []string{stream}, OrderingKey: "entity_id", MaxAttempts: 100,
		Handler: runtime.HandlerFunc(func(ctx context.Context, m *runtime.Message) error {
			runs.Add(1)
			return rdb.Set(ctx, "side:"+m.EventID, "written", 0).Err()
		})})

	publish(t, rdb, stream, "t", "e1", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return pending(t, rdb, stream, name) == 0 && runs.Load() == 1 }, "e1 handled and acked")
	if v := replica.Get(ctx, "side:e1").Val(); v != "written" {
		t.Fatalf("the replica has %q for the handler's write right after the ack, want written", v)
	}

	if err := replica.SlaveOf(ctx, "NO", "ONE").Err(); err != nil {
		t.Fatal(err)
	}
	publish(t, rdb, stream, "t", "e2", map[string]int{})
	redistest.Eventually(t, 10*time.Second, func() bool { return runs.Load() >= 3 }, "e2 run and retried")
	if p := pending(t, rdb, stream, name); p != 1 {
		t.Fatalf("%d pending while the replica is gone, want e2 still pending (not acked)", p)
	}

	if err := replica.SlaveOf(ctx, "127.0.0.1", strconv.Itoa(master.Port)).Err(); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 20*time.Second, func() bool { return pending(t, rdb, stream, name) == 0 }, "e2 acked once the replica is back")
	redistest.Eventually(t, 10*time.Second, func() bool { return replica.Get(ctx, "side:e2").Val() == "written" }, "the replica has e2's write")
}
