package faults

import (
	"fmt"
	"testing"
	"time"
)

// The burst every process-fault test sends: 500 orders from 8 clients,
// each paying one of its earlier orders after every 5.
const (
	burstOrders  = 500
	burstWorkers = 8
	burstLimit   = 120 * time.Second
	burstPay     = 5
	// faultAt is how many orders are answered before the fault.
	faultAt = 150
	// downtime is how long a killed function stays down: a fault
	// duration, not a synchronisation.
	downtime = 2 * time.Second
)

// faultShop starts the whole shop on a flushed srv with the mailer sending
// to a fresh SMTP server, and creates a catalogue.
func faultShop(t *testing.T, env ...string) (*shop, map[string]*proc, api, catalogue, *smtpServer) {
	t.Helper()
	srv.FlushAll(t)
	smtp := startSMTP(t)
	s := newShop(t, env...)
	s.fnEnv["mailer"] = []string{"SMTP_ADDR=" + smtp.addr()}
	procs := s.startAll()
	a := newAPI(t, procs["gateway"].URL())
	return s, procs, a, newCatalogue(t, a, 20, 10), smtp
}

// newBurst is the standard burst.
func newBurst() *burst {
	return &burst{Orders: burstOrders, Workers: burstWorkers, Limit: burstLimit, PayEvery: burstPay}
}

// waitBurst waits for a burst started with startBurst and checks that
// every command it sent was answered 2xx (or 409 for a payment of an order
// not accepted yet).
func waitBurst(t *testing.T, b *burst, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(burstLimit + requestTimeout):
		t.Fatal("burst did not end in time")
	}
	for _, f := range b.failures[:min(len(b.failures), 5)] {
		t.Errorf("burst: %d %s %v", f.status, f.body, f.err)
	}
	if len(b.created) != b.Orders {
		t.Errorf("burst: %d of %d orders created", len(b.created), b.Orders)
	}
}

// TestKillDuringBurst kills each reaction function with SIGKILL in the
// middle of a burst of orders and restarts it 2 s later: every expected
// reaction happens exactly once, nothing stays pending or scheduled for a
// retry, and every function is still registered.
func TestKillDuringBurst(t *testing.T) {
	for _, fn := range reactions {
		t.Run(fn, func(t *testing.T) {
			start := time.Now()
			s, procs, a, cat, smtp := faultShop(t)
			b := newBurst()
			done := startBurst(b, a, cat)
			waitFor(t, burstLimit, func() bool { return b.sent.Load() >= faultAt }, "%d orders sent", faultAt)
			rdb := srv.Client(t)
			kill(t, procs[fn])
			left := groupPending(t, rdb, fn)
			<-time.After(downtime)
			s.startHealthy(fn)
			waitBurst(t, b, done)
			c := audit(t, rdb, smtp)
			registered(t, rdb)
			c.Sent = b.ok()
			c.Fault = fmt.Sprintf("kill -9 %s after %d of %d orders; restarted %s later", fn, faultAt, burstOrders, downtime)
			c.Note = fmt.Sprintf("%d entries left pending by the killed instance; %d payments, %d refused 409 (order not accepted yet), %d 503 (not projected yet)",
				left, len(b.paid), b.payFails["409"], b.payFails["503"])
			if c.DeadLettered > 0 {
				t.Errorf("%d dead letters, want none", c.DeadLettered)
			}
			record(t, start, c)
		})
	}
}
