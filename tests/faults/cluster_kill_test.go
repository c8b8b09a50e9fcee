package faults

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// TestClusterMasterKillWaitOff kills (SIGKILL) the master serving the
// stock's slot, and some partitions', in the middle of a burst; its
// replica takes over. Redis replicates asynchronously, so what the dead
// master had acknowledged but not yet sent to its replica is gone: the
// test counts it (orders answered 201 missing from the log, reactions
// lost) and asserts only what survives any such loss: no reaction twice,
// no order twice, the stock consistent with its own reservations (one
// slot, one script per change), nothing left pending, every process up.
func TestClusterMasterKillWaitOff(t *testing.T) { clusterMasterKill(t, false, false) }

// TestClusterMasterKillWaitOn is TestClusterMasterKillWaitOff with
// COMMIT_REPLICAS=1 on every process: a command of the gateway (and a
// commit of a function) is acknowledged only once the replica has it, so
// the failover loses nothing acknowledged: every order and payment
// answered 201 is in the log.
func TestClusterMasterKillWaitOn(t *testing.T) { clusterMasterKill(t, true, false) }

// TestClusterMasterKillLinkDownWaitOff is TestClusterMasterKillWaitOff
// with the victim's replication link down for 600 ms before the kill
// (cutLink): what the victim acknowledged meanwhile exists nowhere else,
// so the failover loses it. The test counts that loss and asserts the
// same consistency as TestClusterMasterKillWaitOff.
func TestClusterMasterKillLinkDownWaitOff(t *testing.T) { clusterMasterKill(t, false, true) }

// TestClusterMasterKillLinkDownWaitOn is
// TestClusterMasterKillLinkDownWaitOff with COMMIT_REPLICAS=1: a command
// the replica did not get is not acknowledged (the gateway answers 503
// and the client sends it again with its Idempotency-Key), so nothing
// acknowledged is lost. (A function's commit still short at the timeout
// counts as written and unreplicated; a handler's own writes are not
// WAITed: the reactions they make can still be lost, and are counted.)
func TestClusterMasterKillLinkDownWaitOn(t *testing.T) { clusterMasterKill(t, true, true) }

// waitTimeout is COMMIT_REPLICAS_TIMEOUT of the WAIT tests: shorter than
// linkDown, so that commands and commits fall short of the replica before
// the kill (answered 503, counted unreplicated) and the clients' retries
// meet records the replica lacks.
const waitTimeout = 250 * time.Millisecond

// clusterMasterKill kills the master of the stock's slot mid-burst (after
// cutting its replication link if cut), waits for the failover,
// brings the old master back as a replica, and counts; with wait every
// process runs with COMMIT_REPLICAS=1.
func clusterMasterKill(t *testing.T, wait, cut bool) {
	t.Helper()
	start := time.Now()
	var env []string
	if wait {
		env = append(env, "COMMIT_REPLICAS=1", "COMMIT_REPLICAS_TIMEOUT="+waitTimeout.String())
	}
	cs := startClusterShop(t, time.Second, env...)
	slot := redistest.Slot(stock.LevelsKey)
	victim := cs.masterOfKey(t, stock.LevelsKey)
	parts := cs.partitionsOn(t, victim)
	b := clusterBurst()
	done := cs.toFault(t, b)

	link, unsent := "replication link up", int64(-1)
	if cut {
		cutAt := cs.cutLink(t, victim, cs.replicaOf(t, victim))
		unsent = replOffset(t, victim) - cutAt
		link = "its replication link down for " + linkDown.String() + " before"
	}
	killed := time.Now()
	if err := cs.cl.KillMaster(cctx(t), victim); err != nil {
		t.Fatal(err)
	}
	promoted, err := cs.cl.WaitFailover(cctx(t), slot)
	if err != nil {
		t.Fatal(err)
	}
	failover := time.Since(killed)
	// The old master comes back as a replica of its successor, so that
	// every master has a replica again (what WAIT needs to go on).
	if err := cs.cl.RestartNode(cctx(t), victim); err != nil {
		t.Fatal(err)
	}
	rejoined := time.Since(killed)
	// Without WAIT a payment of an order answered 201 that the failover
	// lost is refused 404 (its order is not found): a consequence of that
	// loss, counted as such.
	var lostOrder map[string]bool
	refusedLost := 0
	allowLost := func(a answer) bool {
		if wait || a.status != http.StatusNotFound {
			return false
		}
		if lostOrder == nil {
			lostOrder = map[string]bool{}
			lost, _ := acked(t, cs.rdb, b)
			for _, id := range lost {
				lostOrder[id] = true
			}
		}
		m := regexp.MustCompile(`order (\S+) not found`).FindSubmatch(a.body)
		if m != nil && lostOrder[string(m[1])] {
			refusedLost++
			return true
		}
		return false
	}
	failures, last := waitClusterBurst(t, b, done, allowLost)
	shopkit.Settle(t, cs.rdb, 60*time.Second)

	c, f := measure(t, cs.rdb, cs.smtp)
	lostOrders, lostPayments := acked(t, cs.rdb, b)
	off, held := stockBooks(t, cs.rdb, cs.cat.products)
	for _, o := range off {
		t.Errorf("stock books: %s", o)
	}
	if c.Duplicated > 0 {
		t.Errorf("%d reactions duplicated", c.Duplicated)
	}
	cs.allAlive(t)
	unrepl := 0
	if wait {
		unrepl = cs.unreplicated(t)
		// The contract of COMMIT_REPLICAS: a command answered 2xx was on a
		// replica, so the failover kept it; and a reaction's commit, with
		// what its handler wrote itself (the stock's reservations, the
		// read model's records: held by the runtime's barrier until the
		// replicas have them), was on a replica before its entry was
		// acked, so no reaction to a surviving event is lost either.
		if n := len(lostOrders) + len(lostPayments); n > 0 {
			t.Errorf("with WAIT %d commands answered 201 are not in the log: orders %v, payments %v", n, lostOrders[:min(5, len(lostOrders))], lostPayments[:min(5, len(lostPayments))])
		}
		if len(f.lost) > 0 || c.StockDrift != 0 {
			t.Errorf("with WAIT %d reactions lost (%v), %d units of stock drift", len(f.lost), byKind(f.lost), c.StockDrift)
		}
	}

	c.Sent = b.ok()
	waitNote := "off"
	if wait {
		waitNote = "on (COMMIT_REPLICAS=1, COMMIT_REPLICAS_TIMEOUT=" + waitTimeout.String() + ")"
	}
	c.Fault = fmt.Sprintf("cluster 3+3: SIGKILL of the master of %s (and %d of 16 partitions) after %d of %d orders, %s, replica promoted, old master rejoined as replica; WAIT %s",
		stock.LevelsKey, parts, clusterFaultAt, clusterOrders, link, waitNote)
	c.Note = fmt.Sprintf("acked lost: %d orders and %d payments answered 201 not in the log; %d reactions lost %v, %d unexpected %v (e.g. %v); %d units of stock drift, stock books consistent (%d reservations held); failover in %s (%s promoted), old master back as replica after %s, last 503 %s after the kill (%d answers 503, %d payments refused 404 as their order was lost); %d commits unreplicated%s",
		len(lostOrders), len(lostPayments), len(f.lost), byKind(f.lost), len(f.unexpected), byKind(f.unexpected), f.unexpected[:min(3, len(f.unexpected))], c.StockDrift, held,
		failover.Round(10*time.Millisecond), promoted.Addr(), rejoined.Round(10*time.Millisecond), sinceOrNone(last, killed), failures-refusedLost, refusedLost, unrepl, unsentNote(unsent))
	record(t, start, c)
}

// sinceOrNone is last - from, or "none" if last is zero.
func sinceOrNone(last, from time.Time) string {
	if last.IsZero() {
		return "none"
	}
	return last.Sub(from).Round(10 * time.Millisecond).String()
}

// unsentNote notes the replication stream a master had not sent its
// replica when it was killed (none if unsent < 0: the link was up).
func unsentNote(unsent int64) string {
	if unsent < 0 {
		return ""
	}
	return fmt.Sprintf("; %d bytes of replication stream written after the link was cut, never replicated", unsent)
}

// byKind counts reaction keys ("reserved <order>", "mail.sent thank_you
// <order>") by what they are: all but their last word.
func byKind(keys []string) map[string]int {
	out := map[string]int{}
	for _, k := range keys {
		if i := strings.LastIndexByte(k, ' '); i > 0 {
			k = k[:i]
		}
		out[k]++
	}
	return out
}
