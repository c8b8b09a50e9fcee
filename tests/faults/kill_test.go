package faults

import (
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/internal/testkit/smtptest"
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

// faultShop starts the whole shop on a flushed Redis with the mailer
// sending to a fresh SMTP server, and creates a catalogue.
func faultShop(t *testing.T, env ...string) (*shopkit.Shop, map[string]*proc, api, catalogue, *smtptest.Server) {
	t.Helper()
	return faultShopScaled(t, 1, env...)
}

// faultShopScaled is faultShop with n instances of each ordered function
// (shopkit.Scaled: "projector2" is the second projector), once they share
// the partitions (shopkit.WaitShared).
func faultShopScaled(t *testing.T, n int, env ...string) (*shopkit.Shop, map[string]*proc, api, catalogue, *smtptest.Server) {
	t.Helper()
	kit.Redis.FlushAll(t)
	smtp := smtptest.Start(t)
	s := newShop(t, env...)
	s.FnEnv["mailer"] = []string{"SMTP_ADDR=" + smtp.Addr()}
	procs := s.StartScaled(n)
	if n > 1 {
		for _, fn := range shopkit.Ordered() {
			t.Logf("%s: partitions per owner %v", fn, shopkit.WaitShared(t, kit.Redis.Client(t), fn, n, 30*time.Second))
		}
	}
	a := newAPI(t, procs[shopkit.Gateway].URL())
	return s, procs, a, newCatalogue(t, a, 20, 10), smtp
}

// newBurst is the standard burst; its clients send again after
// retryUnavailable if answered 503 or refused (none if 0, see
// burst.RetryUnavailable).
func newBurst(retryUnavailable time.Duration) *burst {
	return &burst{Orders: burstOrders, Workers: burstWorkers, Limit: burstLimit, PayEvery: burstPay, RetryUnavailable: retryUnavailable}
}

// burstToFault starts b in the background and waits until faultAt orders
// were sent: the moment of the fault. The channel closes when b ends.
func burstToFault(t *testing.T, b *burst, a api, cat catalogue) <-chan struct{} {
	t.Helper()
	done := startBurst(b, a, cat)
	waitFor(t, burstLimit, func() bool { return b.sent.Load() >= faultAt }, "%d orders sent", faultAt)
	return done
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

// stopFault ends a reaction's process in the middle of a burst, checks
// how it ended, and returns how to note it in the report from what the
// process left pending and the burst.
type stopFault func(t *testing.T, fn string, p *proc) (note func(left int64, b *burst) string)

// faultEachReaction runs, for each reaction function fn as a subtest, a
// burst during which stop ends fn's process after faultAt orders; fn is
// restarted downtime later. Every expected reaction then happens exactly
// once, nothing stays pending or scheduled for a retry, nothing is dead
// lettered, and every function is still registered.
func faultEachReaction(t *testing.T, what string, stop stopFault) {
	for _, fn := range reactions {
		t.Run(fn, func(t *testing.T) {
			start := time.Now()
			s, procs, a, cat, smtp := faultShop(t)
			b := newBurst(0)
			done := burstToFault(t, b, a, cat)
			rdb := kit.Redis.Client(t)
			note := stop(t, fn, procs[fn])
			left := groupPending(t, rdb, fn)
			<-time.After(downtime)
			s.StartHealthy(fn)
			waitBurst(t, b, done)
			c := audit(t, rdb, smtp)
			registered(t, rdb)
			c.Sent = b.ok()
			c.Fault = fmt.Sprintf("%s %s after %d of %d orders; restarted %s later", what, fn, faultAt, burstOrders, downtime)
			c.Note = note(left, b)
			if c.DeadLettered > 0 {
				t.Errorf("%d dead letters, want none", c.DeadLettered)
			}
			record(t, start, c)
		})
	}
}

// checkCreatedInLog fails the test for every order of b answered 201 that
// has no order.created in the log, and returns the orders in the log.
func checkCreatedInLog(t *testing.T, rdb redis.UniversalClient, b *burst) map[string]bool {
	t.Helper()
	inLog := ordersInLog(t, rdb)
	for _, id := range b.created {
		if !inLog[id] {
			t.Errorf("order %s was answered 201 but is not in the log", id)
		}
	}
	return inLog
}

// TestKillDuringBurst kills each reaction function with SIGKILL in the
// middle of a burst of orders and restarts it 2 s later (faultEachReaction).
func TestKillDuringBurst(t *testing.T) {
	faultEachReaction(t, "kill -9", func(t *testing.T, _ string, p *proc) func(int64, *burst) string {
		kill(t, p)
		return func(left int64, b *burst) string {
			return fmt.Sprintf("%d entries left pending by the killed instance; %d payments, %d refused 409 (order not accepted yet), %d 503 (not projected yet)",
				left, len(b.paid), b.payFails["409"], b.payFails["503"])
		}
	})
}
