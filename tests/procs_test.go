package tests

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

// shop is the set of processes of one test.
type shop struct {
	t     *testing.T
	group *proctest.Group
	mu    sync.Mutex
	procs map[string]*proctest.Process
}

// newShop returns an empty shop whose processes are killed when the test
// ends, their output logged if it failed. It stops the shared shop first.
func newShop(t *testing.T) *shop {
	stopShared()
	return &shop{t: t, group: proctest.NewGroup(t), procs: map[string]*proctest.Process{}}
}

// start runs a function binary with the test environment.
func (s *shop) start(name string) *proctest.Process {
	s.t.Helper()
	port, err := redistest.FreePort()
	if err != nil {
		s.t.Fatal(err)
	}
	p, err := s.group.Start(name, filepath.Join(binDir, name), port, testEnv())
	if err != nil {
		s.t.Fatal(err)
	}
	s.mu.Lock()
	s.procs[name] = p
	s.mu.Unlock()
	return p
}

// testEnv is the environment of every process of the tests (but PORT).
func testEnv() []string {
	return []string{
		"REDIS_URL=" + srv.URL(), "LOG_FORMAT=console",
		"RETRY_BACKOFF_BASE=100ms", "RETRY_POLL_INTERVAL=100ms",
		"CLAIM_MIN_IDLE=2s", "CLAIM_INTERVAL=500ms", "SHUTDOWN_TIMEOUT=3s", "READ_BLOCK=200ms",
	}
}

// runOnce runs a binary with args to completion and returns its output.
func (s *shop) runOnce(name string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Env = append(append(os.Environ(), testEnv()...), "PORT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// startAll starts every Procfile function and waits until each serves
// /healthz; it returns the gateway's base URL.
func (s *shop) startAll() string {
	s.t.Helper()
	for _, f := range functions {
		s.start(f)
	}
	for _, f := range functions {
		s.waitHealthy(f)
	}
	return s.proc("gateway").URL()
}

// proc returns the current process of function name.
func (s *shop) proc(name string) *proctest.Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.procs[name]
}

// waitHealthy polls the process's /healthz until it answers 200.
func (s *shop) waitHealthy(name string) {
	s.t.Helper()
	if err := s.proc(name).WaitStatus("/healthz", 15*time.Second); err != nil {
		s.t.Fatal(err)
	}
}

// stop sends SIGTERM to a process and waits for it to exit 0.
func (s *shop) stop(name string) {
	s.t.Helper()
	s.mu.Lock()
	p := s.procs[name]
	delete(s.procs, name)
	s.mu.Unlock()
	code, err := p.Stop(15 * time.Second)
	if errors.Is(err, proctest.ErrKilled) {
		s.t.Fatalf("%s did not stop on SIGTERM", name)
	}
	if code != 0 {
		s.t.Errorf("%s exited %d after SIGTERM, want 0", name, code)
	}
}

// ctx is a context for Redis calls in tests.
func ctx() context.Context { return context.Background() }
