package faults

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// orderedInstances is how many instances of each ordered function
// (projector, inventory) the partition tests run, each owning some of
// the partitions.
const orderedInstances = 2

// partitionLease is the PARTITION_LEASE of the partition tests: how long a
// killed instance's partitions stay with it before another takes them.
const partitionLease = 2 * time.Second

// probe is one read-your-writes probe: an order created, then read back.
type probe struct {
	at      time.Time
	status  int
	stale   bool
	fresh   bool // the answer is the order just created
	elapsed time.Duration
}

// prober creates an order and reads it back every interval until stop
// closes (at most max probes), recording each read.
type prober struct {
	mu     sync.Mutex
	probes []probe
	errs   []error
}

func (pr *prober) run(a api, cat catalogue, interval time.Duration, limit int, stop <-chan struct{}) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 0; i < limit; i++ {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		o := cat.order(i)
		created := a.send(http.MethodPost, "/v1/orders", o)
		if created.err != nil || created.status != http.StatusCreated {
			continue // the burst's checks see the gateway's failures; a probe only reads
		}
		var ids []string
		if json.Unmarshal(created.body, &ids) != nil || len(ids) != 1 {
			pr.add(probe{}, fmt.Errorf("POST /v1/orders = %d %s, want one id", created.status, created.body))
			continue
		}
		start := time.Now()
		r, err := a.c.Send(http.MethodGet, "/v1/orders/"+ids[0], nil)
		p := probe{at: start, status: r.Status, stale: r.Header.Get("X-Read-Stale") == "true", elapsed: r.Elapsed}
		var got struct {
			ID string `json:"id"`
		}
		p.fresh = err == nil && r.Status == http.StatusOK && json.Unmarshal(r.Body, &got) == nil && got.ID == ids[0]
		pr.add(p, err)
	}
}

// after counts the probes begun after t.
func (pr *prober) after(t time.Time) int {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	n := 0
	for _, p := range pr.probes {
		if p.at.After(t) {
			n++
		}
	}
	return n
}

func (pr *prober) add(p probe, err error) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if err != nil {
		pr.errs = append(pr.errs, err)
		return
	}
	pr.probes = append(pr.probes, p)
}

// TestKillProjectorOfTwoDuringBurst runs the shop with two projectors and
// two inventories, kills one projector with SIGKILL in the middle of the
// burst and restarts it downtime later. Every reaction happens exactly
// once (audit), and read-your-writes holds within its bound: a read of
// one order answers within two WaitTimeouts (the inventory function's,
// then the projector's), fresh, except while the killed projector's
// partitions are not taken over yet (reads in flight at the kill or after
// it, until the restart plus the lease and the waits), when it may answer
// stale (X-Read-Stale); after that window reads are fresh again.
func TestKillProjectorOfTwoDuringBurst(t *testing.T) {
	start := time.Now()
	s, procs, a, cat, smtp := faultShopScaled(t, orderedInstances, "PARTITION_LEASE="+partitionLease.String())
	victim := shopkit.Instance("projector", orderedInstances)
	rdb := kit.Redis.Client(t)

	var pr prober
	stop := make(chan struct{})
	probing := make(chan struct{})
	go func() { defer close(probing); pr.run(a, cat, 100*time.Millisecond, 1000, stop) }()

	b := newBurst(0)
	done := burstToFault(t, b, a, cat)
	killedAt := time.Now()
	kill(t, procs[victim])
	left := groupPending(t, rdb, "projector")
	<-time.After(downtime)
	s.StartHealthy(victim)
	restartedAt := time.Now()
	waitBurst(t, b, done)
	bound := 2*gateway.DefaultWaitTimeout + time.Second
	staleUntil := restartedAt.Add(partitionLease + bound)
	// Probe on past the window in which a read may be stale, to see
	// that reads are fresh again after it: at least 5 probes begun after
	// it (how many fit in a second depends on the machine's load).
	deadline := staleUntil.Add(60 * time.Second)
	for pr.after(staleUntil) < 5 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond) // polled: the probes arrive at their own pace
	}
	close(stop)
	<-probing

	stale, late := 0, 0
	for _, p := range pr.probes {
		// A read in flight at the kill may wait on the killed instance.
		inWindow := !p.at.Add(p.elapsed).Before(killedAt) && p.at.Before(staleUntil)
		switch {
		case p.elapsed > bound:
			late++
			t.Errorf("read at %s took %v, more than the bound %v", p.at.Sub(start).Round(time.Millisecond), p.elapsed, bound)
		case p.stale && !inWindow:
			t.Errorf("read at %s answered stale (%d) outside the takeover window [%s, %s]", p.at.Sub(start).Round(time.Millisecond),
				p.status, killedAt.Sub(start).Round(time.Millisecond), staleUntil.Sub(start).Round(time.Millisecond))
		case !p.stale && !p.fresh:
			t.Errorf("read at %s answered %d, not stale and not the order just created", p.at.Sub(start).Round(time.Millisecond), p.status)
		}
		if p.stale {
			stale++
		}
	}
	for _, err := range pr.errs[:min(len(pr.errs), 5)] {
		t.Errorf("probe: %v", err)
	}
	if after := pr.after(staleUntil); len(pr.probes) < 15 || after < 5 {
		t.Errorf("%d read-your-writes probes, %d after the window; want at least 15 and 5", len(pr.probes), after)
	}

	c := audit(t, rdb, smtp)
	registered(t, rdb)
	checkCreatedInLog(t, rdb, b)
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("kill -9 %s (of %d projectors, %d inventories) after %d of %d orders; restarted %s later",
		victim, orderedInstances, orderedInstances, faultAt, burstOrders, downtime)
	c.Note = fmt.Sprintf("%d entries left pending by the killed projector; %d read-your-writes probes, %d stale (in the takeover window), %d over the bound %v",
		left, len(pr.probes), stale, late, bound)
	if c.DeadLettered > 0 {
		t.Errorf("%d dead letters, want none", c.DeadLettered)
	}
	record(t, start, c)
}
