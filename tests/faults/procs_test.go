package faults

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
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
type proc = proctest.Process

// shop is the set of processes of one test, all killed when it ends.
type shop struct {
	t *testing.T
	// env is added to baseEnv for every process; fnEnv per function name.
	env   []string
	fnEnv map[string][]string
	group *proctest.Group
}

// newShop returns an empty shop on srv whose processes are killed when the
// test ends, their output logged if it failed.
func newShop(t *testing.T, env ...string) *shop {
	return &shop{t: t, env: append([]string{"REDIS_URL=" + srv.URL()}, env...), fnEnv: map[string][]string{}, group: proctest.NewGroup(t)}
}

// procEnv is the environment of function name's processes; later
// variables win over earlier ones (os.Environ, baseEnv, the shop's env,
// the function's env, env).
func (s *shop) procEnv(name string, env []string) []string {
	return append(append(append(append([]string{}, baseEnv...), s.env...), s.fnEnv[name]...), env...)
}

// start runs a function binary on a free port, on another one if its port
// was taken meanwhile (see proctest.Group.StartFree).
func (s *shop) start(name string, env ...string) *proc {
	s.t.Helper()
	p, err := s.group.StartFree(name, filepath.Join(binDir, name), s.procEnv(name, env))
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// startOn is start on a given port (to restart a process where its
// clients expect it).
func (s *shop) startOn(name string, port int, env ...string) *proc {
	s.t.Helper()
	p, err := s.group.Start(name, filepath.Join(binDir, name), port, s.procEnv(name, env))
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}

// startHealthy starts a function and waits until it serves /healthz.
func (s *shop) startHealthy(name string, env ...string) *proc {
	s.t.Helper()
	p := s.start(name, env...)
	waitHealthy(s.t, p)
	return p
}

// startAll starts every process of the shop, waits until each is healthy
// and returns them by name.
func (s *shop) startAll() map[string]*proc {
	s.t.Helper()
	out := map[string]*proc{}
	for _, name := range all {
		out[name] = s.start(name)
	}
	for _, p := range out {
		waitHealthy(s.t, p)
	}
	return out
}

// waitHealthy polls the process's /healthz until it answers 200.
func waitHealthy(t testing.TB, p *proc) {
	t.Helper()
	if err := p.WaitStatus("/healthz", 15*time.Second); err != nil {
		t.Fatal(err)
	}
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
