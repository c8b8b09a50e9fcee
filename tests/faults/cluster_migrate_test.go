package faults

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

const (
	// migrationSteps is how many MoveKeys steps a migration takes before
	// Finish moves the rest; migrationStep how many keys each moves.
	migrationSteps = 6
	migrationStep  = 10
	// migrationPace is how many more orders are answered between two
	// steps: the burst goes on while the slot is half-way.
	migrationPace = 5
)

// TestClusterSlotMigration moves two busy slots to another master in the
// middle of a burst: the stock's ({shop:stock}: the levels and every
// order's reservation, touched by every order) and then partition 0's
// ({p0}: its streams with their consumer groups, idempotency records,
// leases). Each moves in small steps while the burst runs, so that
// clients follow ASK for the keys already moved, get TRYAGAIN for scripts
// whose keys are split between the nodes, and MOVED once it is done.
// Nothing acknowledged is lost, and every reaction happens exactly once
// (audit: nothing lost, duplicated or pending, no stock drift).
func TestClusterSlotMigration(t *testing.T) {
	start := time.Now()
	cs := startClusterShop(t, time.Second)
	b := clusterBurst()
	done := cs.toFault(t, b)
	var notes []string
	for _, key := range []string{stock.LevelsKey, "{p0}"} {
		notes = append(notes, cs.migrate(t, b, done, key))
	}
	failures, _ := waitClusterBurst(t, b, done, nil)
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
	redirects := cs.errorStats(t)
	if redirects["ASK"]+redirects["TRYAGAIN"] == 0 {
		t.Errorf("no ASK nor TRYAGAIN answered during the migrations (%v): the clients never met a half-way slot", redirects)
	}
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("cluster 3+3: slots of %s and of partition 0 migrated to another master after %d of %d orders, %d steps of %d keys each while the burst runs, then finished",
		stock.LevelsKey, clusterFaultAt, clusterOrders, migrationSteps, migrationStep)
	c.Note = fmt.Sprintf("%s; nodes answered ASK %d, TRYAGAIN %d, MOVED %d times; %d answers 503; %d reservations held",
		strings.Join(notes, "; "), redirects["ASK"], redirects["TRYAGAIN"], redirects["MOVED"], failures, held)
	record(t, start, c)
}

// migrate moves key's slot from its master to another one in
// migrationSteps steps of migrationStep keys, migrationPace orders apart
// (or until the burst is done), then finishes it; it checks the slot's
// new master and returns a note.
func (cs *clusterShop) migrate(t *testing.T, b *burst, done <-chan struct{}, key string) string {
	t.Helper()
	slot := redistest.Slot(key)
	from := cs.masterOfKey(t, key)
	masters, err := cs.cl.Masters(cctx(t))
	if err != nil {
		t.Fatal(err)
	}
	var to *redistest.Node
	for _, n := range masters {
		if n != from {
			to = n
			break
		}
	}
	began, okBefore := time.Now(), b.ok()
	m, err := cs.cl.BeginMigration(cctx(t), slot, to)
	if err != nil {
		t.Fatal(err)
	}
	moved := 0
	for range migrationSteps {
		at := b.sent.Load()
		n, err := m.MoveKeys(cctx(t), migrationStep)
		if err != nil {
			t.Fatalf("slot %d: %v", slot, err)
		}
		moved += n
		waitFor(t, clusterLimit, func() bool { return b.sent.Load() >= at+migrationPace || closed(done) }, "%d more orders answered", migrationPace)
	}
	during := b.ok() - okBefore
	if err := m.Finish(cctx(t)); err != nil {
		t.Fatal(err)
	}
	if now := cs.masterOfKey(t, key); now != to {
		t.Errorf("slot %d is on %s after the migration, want %s", slot, now.Addr(), to.Addr())
	}
	return fmt.Sprintf("slot %d (%s) %s -> %s: %d keys moved in steps while %d commands were answered 2xx, the rest at Finish, %s in all",
		slot, key, from.Addr(), to.Addr(), moved, during, time.Since(began).Round(10*time.Millisecond))
}

// closed reports whether ch is closed, without waiting.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// errorStatRE is one errorstat_<ERR>:count=<n> line of INFO errorstats.
var errorStatRE = regexp.MustCompile(`(?m)^errorstat_(\w+):count=(\d+)`)

// errorStats sums INFO errorstats over every node: how many times the
// nodes answered ASK, MOVED, TRYAGAIN, ...
func (cs *clusterShop) errorStats(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, n := range cs.cl.Nodes() {
		info, err := n.Client(t).Info(cctx(t), "errorstats").Result()
		if err != nil {
			t.Fatalf("INFO errorstats on %s: %v", n.Addr(), err)
		}
		for _, m := range errorStatRE.FindAllStringSubmatch(info, -1) {
			k, _ := strconv.Atoi(m[2])
			out[m[1]] += k
		}
	}
	return out
}
