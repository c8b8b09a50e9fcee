package faults

import (
	"errors"
	"fmt"
	"syscall"
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

// TestSigtermGatewayDuringBurst sends SIGTERM to the gateway in the middle
// of a burst and starts it again on the same port 2 s later: it exits 0
// within SHUTDOWN_TIMEOUT, requests in flight are answered (no 5xx), and
// every command answered 2xx is in the log and fully reacted to. Clients
// whose connection is refused while it is down send again.
func TestSigtermGatewayDuringBurst(t *testing.T) {
	start := time.Now()
	s, procs, a, cat, smtp := faultShop(t)
	b := newBurst()
	b.RetryUnavailable = 100 * time.Millisecond
	done := startBurst(b, a, cat)
	waitFor(t, burstLimit, func() bool { return b.sent.Load() >= faultAt }, "%d orders sent", faultAt)
	gw := procs["gateway"]
	took, code := terminate(t, gw, 2*shutdownTimeout+5*time.Second)
	if code != 0 || took > shutdownTimeout {
		t.Errorf("gateway after SIGTERM: exit %d after %s, want exit 0 within SHUTDOWN_TIMEOUT %s", code, took, shutdownTimeout)
	}
	<-time.After(downtime)
	waitHealthy(t, s.startOn("gateway", gw.Port))
	<-done
	refused, cut, cutErr := 0, 0, "none"
	for _, f := range b.failures {
		switch {
		case f.err == nil:
			t.Errorf("during the gateway's restart: %d %s, want no HTTP error", f.status, f.body)
		case errors.Is(f.err, syscall.ECONNREFUSED):
			refused++
		default:
			cut++ // a keep-alive connection closed by the shutdown as the request went out
			cutErr = f.err.Error()
		}
	}
	rdb := srv.Client(t)
	c := audit(t, rdb, smtp)
	inLog := ordersInLog(t, rdb)
	for _, id := range b.created {
		if !inLog[id] {
			t.Errorf("order %s was answered 201 but is not in the log", id)
		}
	}
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("SIGTERM gateway after %d of %d orders; restarted on the same port %s later", faultAt, burstOrders, downtime)
	c.Note = fmt.Sprintf("exit %d after %s; %d requests refused while down (sent again), %d cut as the listener closed (%s) (%d orders created of %d, %d in the log without a 201)",
		code, took.Round(time.Millisecond), refused, cut, cutErr, len(b.created), b.Orders, len(inLog)-len(b.created))
	record(t, start, c)
}
