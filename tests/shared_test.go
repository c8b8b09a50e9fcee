package tests

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// The shared shop is one set of the Procfile's processes that the API
// contract tests use in turn, so that each does not pay a start. It runs
// from its first use until a test needs a shop of its own (newShop, or
// freshRedis before it), a test asks for a fresh one, or the package ends.
// Tests of the package run one at a time, so two shops never compete for
// the consumer groups.
var shared struct {
	mu    sync.Mutex
	procs []*proctest.Process
	base  string
}

// sharedAPI returns a client of the shared shop, starting it if it is
// not running. Tests that use it must not depend on what other tests
// left in Redis: they create their own entities and look only at those.
func sharedAPI(t *testing.T) api {
	t.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.base == "" {
		startShared(t)
	}
	t.Cleanup(func() { logSharedOnFailure(t) })
	return api{t: t, base: shared.base}
}

// freshSharedAPI empties Redis and starts the shared shop anew on it.
func freshSharedAPI(t *testing.T) api {
	t.Helper()
	freshRedis(t)
	return sharedAPI(t)
}

// freshRedis stops the shared shop and empties Redis: the first step of a
// test that starts its own processes.
func freshRedis(t *testing.T) {
	t.Helper()
	stopShared()
	kit.FlushAll(t)
}

// startShared empties Redis, starts every Procfile function and waits for
// their /healthz; shared.mu is held. The flush drops what a shop killed
// before (a test's own, ended with SIGKILL) left: its partition leases
// would keep the new projector and inventory off those partitions until
// they expire (PARTITION_LEASE), and their reads stale meanwhile.
func startShared(t *testing.T) {
	t.Helper()
	kit.FlushAll(t)
	var procs []*proctest.Process
	fail := func(err error) {
		for _, p := range procs {
			_ = p.Kill()
		}
		t.Fatal(err)
	}
	for _, f := range shopkit.Processes() {
		p, err := proctest.StartFree(f, filepath.Join(kit.Bin, f), testEnv())
		if err != nil {
			fail(err)
		}
		procs = append(procs, p)
	}
	for _, p := range procs {
		if err := p.WaitStatus("/healthz", shopkit.HealthTimeout); err != nil {
			fail(err)
		}
	}
	for _, p := range procs {
		if p.Name == shopkit.Gateway {
			shared.base = p.URL()
		}
	}
	if shared.base == "" {
		fail(fmt.Errorf("the shop has no gateway"))
	}
	shared.procs = procs
}

// stopShared kills the shared shop's processes, if they run.
func stopShared() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	for _, p := range shared.procs {
		_ = p.Kill()
	}
	shared.procs, shared.base = nil, ""
}

// logSharedOnFailure logs the end of every shared process's output if t
// failed.
func logSharedOnFailure(t *testing.T) {
	if !t.Failed() {
		return
	}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	const tail = 4000
	for _, p := range shared.procs {
		out := p.Output()
		if len(out) > tail {
			out = "…" + out[len(out)-tail:]
		}
		t.Logf("--- shared %s (pid %d, port %d, alive %v) output tail:\n%s", p.Name, p.Pid(), p.Port, p.Alive(), strings.TrimSpace(out))
	}
}
