package faults

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/internal/testkit/smtptest"
)

// The burst of the cluster fault tests: smaller than the process faults'
// so that the four tests stay within a few minutes on two cores.
const (
	clusterOrders = 240
	clusterLimit  = 90 * time.Second
	// clusterFaultAt is how many orders are answered before the fault.
	clusterFaultAt = 80
	// clusterTimeout bounds every wait on the cluster itself (failover,
	// migration, restart).
	clusterTimeout = 30 * time.Second
)

// clusterShop is the whole shop on a Redis Cluster of its own: 3 masters,
// each with 1 replica, AOF (appendfsync always) on every node.
type clusterShop struct {
	cl    *redistest.Cluster
	rdb   *redis.ClusterClient
	s     *shopkit.Shop
	procs map[string]*proc
	a     api
	cat   catalogue
	smtp  *smtptest.Server
}

// startClusterShop starts a 3+3 cluster with cluster-node-timeout
// nodeTimeout, the shop on it (REDIS_CLUSTER_URL; env added to baseEnv for
// every process; DEBUG allowed from loopback), the mailer sending to a fresh SMTP server, and creates a
// catalogue.
func startClusterShop(t *testing.T, nodeTimeout time.Duration, env ...string) *clusterShop {
	t.Helper()
	cl := redistest.NewCluster(t, redistest.ClusterOptions{Masters: 3, Replicas: 1, AppendOnly: true, NodeTimeout: nodeTimeout,
		Args: []string{"--enable-debug-command", "local"}}) // DEBUG SLEEP: cutLink
	smtp := smtptest.Start(t)
	s := shopkit.NewShop(t, kit.Bin, append(append(append([]string{}, baseEnv...), "REDIS_CLUSTER_URL="+cl.URL()), env...)...)
	s.FnEnv["mailer"] = []string{"SMTP_ADDR=" + smtp.Addr()}
	procs := s.StartScaled(1)
	rdb := cl.Client(t)
	a := newAPI(t, procs[shopkit.Gateway].URL())
	return &clusterShop{cl: cl, rdb: rdb, s: s, procs: procs, a: a, cat: newCatalogueOn(t, a, rdb, 20, 10), smtp: smtp}
}

// clusterBurst is the burst of the cluster tests: clients send an order
// answered 503 (or refused) again after 200 ms with its Idempotency-Key.
func clusterBurst() *burst {
	return &burst{Orders: clusterOrders, Workers: burstWorkers, Limit: clusterLimit, PayEvery: burstPay, RetryUnavailable: 200 * time.Millisecond}
}

// toFault starts b and waits until clusterFaultAt orders were answered:
// the moment of the fault. The channel closes when b ends.
func (cs *clusterShop) toFault(t *testing.T, b *burst) <-chan struct{} {
	t.Helper()
	done := startBurst(b, cs.a, cs.cat)
	waitFor(t, clusterLimit, func() bool { return b.sent.Load() >= clusterFaultAt }, "%d orders sent", clusterFaultAt)
	return done
}

// cctx bounds a wait on the cluster.
func cctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	t.Cleanup(cancel)
	return c
}

// masterOfKey is the node serving key's slot now.
func (cs *clusterShop) masterOfKey(t *testing.T, key string) *redistest.Node {
	t.Helper()
	n, err := cs.cl.MasterOfKey(cctx(t), key)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// partitionsOn is how many of the 16 partitions' slots node n serves.
func (cs *clusterShop) partitionsOn(t *testing.T, n *redistest.Node) int {
	t.Helper()
	k := 0
	for p := range 16 {
		if cs.masterOfKey(t, "{p"+strconv.Itoa(p)+"}") == n {
			k++
		}
	}
	return k
}

// waitClusterBurst waits for b, then checks that every order was created
// in the end (its client sent it again until answered 201) and that every
// answer that was not 2xx is an unavailability the client may retry: a 503
// with a JSON error or a refused connection, or an answer allow accepts
// (allow may be nil). It returns how many there were and when the last
// came (zero if none).
func waitClusterBurst(t *testing.T, b *burst, done <-chan struct{}, allow func(answer) bool) (int, time.Time) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(clusterLimit + requestTimeout):
		t.Fatal("burst did not end in time")
	}
	var last time.Time
	for _, f := range b.failures {
		last = maxTime(last, f.at)
		var body struct{ Error string }
		unavailable := f.status == http.StatusServiceUnavailable && json.Unmarshal(f.body, &body) == nil && body.Error != ""
		if !unavailable && !(f.err != nil && isRefused(f.err)) && (allow == nil || !allow(f)) {
			t.Errorf("burst: %d %s %v, want 503 with a JSON error (or a refused connection)", f.status, f.body, f.err)
		}
	}
	if len(b.created) != b.Orders {
		t.Errorf("burst: %d of %d orders created", len(b.created), b.Orders)
	}
	return len(b.failures), last
}

// acked checks the commands the clients were answered 2xx for against
// the log: it returns the orders answered 201 that have no order.created
// and the payments answered 201 that have no billing.created, and fails
// the test for an order in the log twice.
func acked(t *testing.T, rdb redis.UniversalClient, b *burst) (lostOrders, lostPayments []string) {
	t.Helper()
	entries, err := shopkit.Entries(ctx(), rdb, model.Stream(model.AggOrder), model.Stream(model.AggBilling))
	if err != nil {
		t.Fatal(err)
	}
	orders, billed := map[string]int{}, map[string]bool{}
	for _, e := range entries {
		switch e.Values["type"] {
		case model.OrderCreated:
			orders[e.Values["entity_id"].(string)]++
		case model.BillingCreated:
			var v struct {
				OrderID string `json:"order_id"`
			}
			_ = json.Unmarshal([]byte(e.Values["data"].(string)), &v)
			billed[v.OrderID] = true
		}
	}
	for id, n := range orders {
		if n > 1 {
			t.Errorf("order %s created %d times in the log", id, n)
		}
	}
	for _, id := range b.created {
		if orders[id] == 0 {
			lostOrders = append(lostOrders, id)
		}
	}
	for _, id := range b.paid {
		if !billed[id] {
			lostPayments = append(lostPayments, id)
		}
	}
	return lostOrders, lostPayments
}

// allAlive fails the test for every process that exited.
func (cs *clusterShop) allAlive(t *testing.T) {
	t.Helper()
	for _, p := range cs.procs {
		if !p.Alive() {
			t.Errorf("%s (pid %d) exited during the cluster fault", p.Name, p.Pid())
		}
	}
}

// unreplicated sums ordershop_commits_unreplicated_total over the reactions.
func (cs *clusterShop) unreplicated(t *testing.T) int {
	t.Helper()
	n := 0
	for _, fn := range reactions {
		n += metric(t, cs.procs[fn], "ordershop_commits_unreplicated_total")
	}
	return n
}

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
