package faults

import (
	"fmt"
	"testing"
	"time"
)

// shutdownTimeout is SHUTDOWN_TIMEOUT of baseEnv.
const shutdownTimeout = 3 * time.Second

// TestSigtermDuringBurst sends SIGTERM to each reaction function in the
// middle of a burst: it exits 0 within SHUTDOWN_TIMEOUT, and once it is
// restarted every expected reaction has happened exactly once.
func TestSigtermDuringBurst(t *testing.T) {
	for _, fn := range reactions {
		t.Run(fn, func(t *testing.T) {
			start := time.Now()
			s, procs, a, cat, smtp := faultShop(t)
			b := newBurst()
			done := startBurst(b, a, cat)
			waitFor(t, burstLimit, func() bool { return b.sent.Load() >= faultAt }, "%d orders sent", faultAt)
			rdb := srv.Client(t)
			took, code := terminate(t, procs[fn], 2*shutdownTimeout+5*time.Second)
			left := groupPending(t, rdb, fn)
			if code != 0 || took > shutdownTimeout {
				t.Errorf("%s after SIGTERM: exit %d after %s, want exit 0 within SHUTDOWN_TIMEOUT %s", fn, code, took, shutdownTimeout)
			}
			<-time.After(downtime)
			s.startHealthy(fn)
			waitBurst(t, b, done)
			c := audit(t, rdb, smtp)
			registered(t, rdb)
			c.Sent = b.ok()
			c.Fault = fmt.Sprintf("SIGTERM %s after %d of %d orders; restarted %s later", fn, faultAt, burstOrders, downtime)
			c.Note = fmt.Sprintf("exit %d after %s (SHUTDOWN_TIMEOUT %s); %d entries left pending", code, took.Round(time.Millisecond), shutdownTimeout, left)
			if c.DeadLettered > 0 {
				t.Errorf("%d dead letters, want none", c.DeadLettered)
			}
			record(t, start, c)
		})
	}
}
