package faults

import (
	"fmt"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/readmodel"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

// restartNodeTimeout is the cluster-node-timeout of the restart test:
// longer than a restart takes, so that the node is back before its
// replica would take over.
const restartNodeTimeout = 5 * time.Second

// TestClusterNodeRestart crashes (SIGKILL) the master serving the read
// model's slot ({shop:orders}) in the middle of a burst and starts it
// again at once, on the same port with its AOF (appendfsync always) and
// nodes.conf, before cluster-node-timeout: it serves its slots again
// itself, with every write it acknowledged. Nothing acknowledged is lost,
// every reaction happens exactly once (audit), and every process rides it
// out.
func TestClusterNodeRestart(t *testing.T) {
	start := time.Now()
	cs := startClusterShop(t, restartNodeTimeout)
	key := readmodel.OrderStatusKey
	victim := cs.masterOfKey(t, key)
	parts := cs.partitionsOn(t, victim)
	b := clusterBurst()
	done := cs.toFault(t, b)

	killed := time.Now()
	if err := cs.cl.KillMaster(cctx(t), victim); err != nil {
		t.Fatal(err)
	}
	if err := cs.cl.RestartNode(cctx(t), victim); err != nil {
		t.Fatal(err)
	}
	back := time.Since(killed)
	if now := cs.masterOfKey(t, key); now != victim {
		t.Fatalf("slot %d failed over to %s while %s restarted (in %s): not the fault this test is about", redistest.Slot(key), now.Addr(), victim.Addr(), back)
	}
	failures, last := waitClusterBurst(t, b, done, nil)
	c := audit(t, cs.rdb, cs.smtp)
	lostOrders, lostPayments := acked(t, cs.rdb, b)
	if n := len(lostOrders) + len(lostPayments); n > 0 {
		t.Errorf("%d commands answered 201 are not in the log: orders %v, payments %v", n, lostOrders[:min(5, len(lostOrders))], lostPayments[:min(5, len(lostPayments))])
	}
	off, held := stockBooks(t, cs.rdb, cs.cat.products)
	for _, o := range off {
		t.Errorf("stock books: %s", o)
	}
	cs.allAlive(t)
	if c.DeadLettered > 0 {
		t.Errorf("%d dead letters, want none", c.DeadLettered)
	}
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("cluster 3+3: SIGKILL of the master of %s (and %d of 16 partitions) after %d of %d orders, restarted at once (AOF, appendfsync always) before cluster-node-timeout %s: no failover",
		key, parts, clusterFaultAt, clusterOrders, restartNodeTimeout)
	c.Note = fmt.Sprintf("node serving again and cluster healthy %s after the kill; last 503 %s after the kill (%d answers 503); %d reservations held",
		back.Round(10*time.Millisecond), sinceOrNone(last, killed), failures, held)
	record(t, start, c)
}
