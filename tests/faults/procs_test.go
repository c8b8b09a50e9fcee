package faults

import (
	"errors"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// baseEnv is the environment of every process of the suite: short claim,
// retry and shutdown times so that faults heal in seconds. The retry
// budget (MAX_ATTEMPTS=10, 100ms doubling to 2s) is about 11 s.
var baseEnv = []string{
	"LOG_FORMAT=console",
	"CLAIM_MIN_IDLE=1s", "CLAIM_INTERVAL=200ms",
	"SHUTDOWN_TIMEOUT=3s", "READ_BLOCK=200ms",
	"MAX_ATTEMPTS=10", "RETRY_BACKOFF_BASE=100ms", "RETRY_BACKOFF_MAX=2s", "RETRY_POLL_INTERVAL=100ms",
}

// proc is one running function binary.
type proc = shopkit.Process

// newShop returns an empty shop on the package's Redis whose processes are
// killed when the test ends, their output logged if it failed; env is
// added to baseEnv for every process (see shopkit.Shop.Env).
func newShop(t *testing.T, env ...string) *shopkit.Shop {
	return shopkit.NewShop(t, kit.Bin, append(append(append([]string{}, baseEnv...), "REDIS_URL="+kit.Redis.URL()), env...)...)
}

// kill sends SIGKILL and waits for the process to be gone.
func kill(t testing.TB, p *proc) {
	t.Helper()
	if err := p.Kill(); err != nil {
		t.Fatalf("kill -9 %s: %v", p.Name, err)
	}
}

// terminate sends SIGTERM and waits up to limit for the process to exit;
// it returns how long that took and the exit code (-1: still running, then
// killed).
func terminate(t testing.TB, p *proc, limit time.Duration) (time.Duration, int) {
	t.Helper()
	start := time.Now()
	code, err := p.Stop(limit)
	took := time.Since(start)
	if err != nil && !errors.Is(err, proctest.ErrKilled) {
		t.Fatalf("SIGTERM %s: %v", p.Name, err)
	}
	return took, code
}
