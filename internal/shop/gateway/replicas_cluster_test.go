package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/shop/gateway/idempotency"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/partition"
)

// clusterWithReplica is a one-node Redis Cluster whose master has a
// replica (a second cluster node, CLUSTER REPLICATE), in sync; reads of
// the replica's client are allowed there (READONLY).
func clusterWithReplica(t *testing.T) (master *redistest.OneNodeCluster, replicaSrv *redistest.Server, replica *redis.Client) {
	t.Helper()
	ctx := context.Background()
	master = redistest.NewOneNodeCluster(t)
	replicaSrv = redistest.New(t, redistest.Options{Args: []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"}})
	replica = redis.NewClient(&redis.Options{Addr: replicaSrv.Addr(),
		OnConnect: func(ctx context.Context, cn *redis.Conn) error { return cn.ReadOnly(ctx).Err() }})
	t.Cleanup(func() { _ = replica.Close() })
	m := master.Client(t)
	id, err := m.Do(ctx, "CLUSTER", "MYID").Text()
	if err != nil {
		t.Fatal(err)
	}
	if err := replica.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(master.Port)).Err(); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 10*time.Second, func() bool {
		return strings.Contains(replica.ClusterNodes(ctx).Val(), id)
	}, "the replica node knows the master")
	redistest.Eventually(t, 10*time.Second, func() bool {
		return replica.Do(ctx, "CLUSTER", "REPLICATE", id).Err() == nil
	}, "CLUSTER REPLICATE")
	redistest.Eventually(t, 15*time.Second, func() bool {
		return strings.Contains(replica.Info(ctx, "replication").Val(), "master_link_status:up")
	}, "the replica in sync with its master")
	return master, replicaSrv, replica
}

// waits is the number of WAIT the node ran since its last CONFIG
// RESETSTAT, less one per NOSCRIPT (a script sent again whole, with its
// own WAIT, the first time the node runs it): one per write.
func waits(t *testing.T, node *redis.Client) int {
	t.Helper()
	stat := func(section, pattern string) int {
		m := regexp.MustCompile(pattern).FindStringSubmatch(node.Info(context.Background(), section).Val())
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return stat("commandstats", `cmdstat_wait:calls=(\d+)`) - stat("errorstats", `errorstat_NOSCRIPT:count=(\d+)`)
}

// TestClusterStepsWaitForReplicas: on a Redis Cluster whose master has a
// replica, a keyed batch of inventory entries over several partitions
// (done in steps) WAITs after each of its writes — the claim, each slot's
// guards, each slot's step, the answer — and the replica has every entry
// right after the 201; with the replica gone the batch is written whole
// on the master but answered 503, and so is its retry while the replica is
// away; once it is back the retry answers the stored 201.
func TestClusterStepsWaitForReplicas(t *testing.T) {
	const timeout = 200 * time.Millisecond
	master, replicaSrv, replica := clusterWithReplica(t)
	ctx := context.Background()
	rdb := master.ClusterClient(t)
	s := &clusterShop{t: t, rdb: rdb, log: model.NewLog(rdb, clusterPartitions),
		g: gateway.New(gateway.Config{Redis: rdb, WaitTimeout: 10 * time.Millisecond, Partitions: clusterPartitions,
			Replication: eventstore.Replication{Replicas: 1, Timeout: timeout}})}
	v1 := gateway.RESTPrefix
	// batch is a body of entries for n new products, and the number of
	// partitions they are in.
	batch := func(n int) (string, int) {
		var entries []string
		parts := map[int]bool{}
		for i := range n {
			p := s.ids(s.do("POST", v1+"/products", fmt.Sprintf(`{"name":"P%d","price":3}`, i), "", 201))[0]
			entries = append(entries, fmt.Sprintf(`{"product_id":%q,"amount":10}`, p))
			parts[partition.Of(p, clusterPartitions)] = true
		}
		if len(parts) < 2 {
			t.Fatalf("products in %d partition(s): the test needs several", len(parts))
		}
		s.project()
		return "[" + strings.Join(entries, ",") + "]", len(parts)
	}
	onReplica := func() int64 {
		var n int64
		for p := range clusterPartitions {
			n += replica.XLen(ctx, partition.Stream(model.Stream(model.AggInventory), p)).Val()
		}
		return n
	}
	masterNode := master.Client(t)

	body, k := batch(6)
	masterNode.ConfigResetStat(ctx)
	s.do("POST", v1+"/inventory", body, "batch-1", 201)
	if got, want := waits(t, masterNode), 2+2*k; got != want {
		t.Errorf("a batch in %d slots sent %d WAIT, want %d (claim, %d guard steps, %d event steps, answer)", k, got, want, k, k)
	}
	if n := onReplica(); n != 6 {
		t.Fatalf("the replica has %d of the 6 entries right after the 201", n)
	}

	body, k = batch(6)
	if err := replicaSrv.Kill(); err != nil {
		t.Fatal(err)
	}
	masterNode.ConfigResetStat(ctx)
	start := time.Now()
	rec := s.do("POST", v1+"/inventory", body, "batch-2", http.StatusServiceUnavailable)
	if took := time.Since(start); took < timeout {
		t.Errorf("answered 503 after %v, before the timeout %v", took, timeout)
	}
	if !strings.Contains(rec.Body.String(), "retry it with the same Idempotency-Key") {
		t.Errorf("503 body %s", rec.Body)
	}
	if got, want := waits(t, masterNode), 2+2*k; got != want {
		t.Errorf("a short batch in %d slots sent %d WAIT, want %d: every step is done and waited for", k, got, want)
	}
	if n := s.count(model.InventoryCreated); n != 12 {
		t.Fatalf("%d inventory.created on the master, want 12: the short batch is written whole", n)
	}
	// The replica still away: the retry is not safe either.
	s.do("POST", v1+"/inventory", body, "batch-2", http.StatusServiceUnavailable)
	if err := replicaSrv.Restart(); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 15*time.Second, func() bool {
		return strings.Contains(replica.Info(ctx, "replication").Val(), "master_link_status:up")
	}, "the replica back in sync with its master")
	retry := s.do("POST", v1+"/inventory", body, "batch-2", 201)
	if retry.Header().Get(idempotency.ReplayedHeader) != "true" || len(s.ids(retry)) != 6 {
		t.Fatalf("retry = %s (replayed %q), want the stored 201", retry.Body, retry.Header().Get(idempotency.ReplayedHeader))
	}
	if n := s.count(model.InventoryCreated); n != 12 {
		t.Errorf("%d inventory.created after the retry, want 12", n)
	}
}
