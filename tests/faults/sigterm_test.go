package faults

import (
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// shutdownTimeout is SHUTDOWN_TIMEOUT of baseEnv.
const shutdownTimeout = 3 * time.Second

// TestSigtermDuringBurst sends SIGTERM to each reaction function in the
// middle of a burst: it exits 0 within SHUTDOWN_TIMEOUT, and once it is
// restarted every expected reaction has happened exactly once.
func TestSigtermDuringBurst(t *testing.T) {
	faultEachReaction(t, "SIGTERM", func(t *testing.T, fn string, p *proc) func(int64, *burst) string {
		took, code := terminate(t, p, 2*shutdownTimeout+5*time.Second)
		if code != 0 || took > shutdownTimeout {
			t.Errorf("%s after SIGTERM: exit %d after %s, want exit 0 within SHUTDOWN_TIMEOUT %s", fn, code, took, shutdownTimeout)
		}
		return func(left int64, _ *burst) string {
			return fmt.Sprintf("exit %d after %s (SHUTDOWN_TIMEOUT %s); %d entries left pending", code, took.Round(time.Millisecond), shutdownTimeout, left)
		}
	})
}

// TestSigtermGatewayDuringBurst sends SIGTERM to the gateway in the middle
// of a burst and starts it again on the same port 2 s later: it exits 0
// within SHUTDOWN_TIMEOUT, requests in flight are answered (no 5xx), and
// every command answered 2xx is in the log and fully reacted to. Clients
// whose connection is refused while it is down send again.
func TestSigtermGatewayDuringBurst(t *testing.T) {
	start := time.Now()
	s, procs, a, cat, smtp := faultShop(t)
	b := newBurst(100 * time.Millisecond)
	done := burstToFault(t, b, a, cat)
	gw := procs[shopkit.Gateway]
	took, code := terminate(t, gw, 2*shutdownTimeout+5*time.Second)
	if code != 0 || took > shutdownTimeout {
		t.Errorf("gateway after SIGTERM: exit %d after %s, want exit 0 within SHUTDOWN_TIMEOUT %s", code, took, shutdownTimeout)
	}
	<-time.After(downtime)
	shopkit.WaitHealthy(t, s.StartOn(shopkit.Gateway, gw.Port))
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
	rdb := kit.Redis.Client(t)
	c := audit(t, rdb, smtp)
	inLog := checkCreatedInLog(t, rdb, b)
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("SIGTERM gateway after %d of %d orders; restarted on the same port %s later", faultAt, burstOrders, downtime)
	c.Note = fmt.Sprintf("exit %d after %s; %d requests refused while down (sent again), %d cut as the listener closed (%s) (%d orders created of %d, %d in the log without a 201)",
		code, took.Round(time.Millisecond), refused, cut, cutErr, len(b.created), b.Orders, len(inLog)-len(b.created))
	record(t, start, c)
}
