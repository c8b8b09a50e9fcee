package shopkit

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
)

// Process is one running binary of the shop.
type Process = proctest.Process

// HealthTimeout bounds WaitHealthy.
const HealthTimeout = 15 * time.Second

// Shop is the processes of one test, each a binary of one directory
// started on a free loopback port. Every process is killed when the test
// ends and, if it failed, its output is logged (proctest.Group).
type Shop struct {
	// FnEnv is added to the environment of function name's processes,
	// after the shop's env and before that of the call.
	FnEnv map[string][]string

	t     testing.TB
	bin   string
	env   []string
	group *proctest.Group
	mu    sync.Mutex
	procs map[string]*Process
}

// NewShop returns an empty shop of the binaries in bin; env is added to
// the environment of every process (PORT is the shop's).
func NewShop(t testing.TB, bin string, env ...string) *Shop {
	return &Shop{FnEnv: map[string][]string{}, t: t, bin: bin, env: env, group: proctest.NewGroup(t), procs: map[string]*Process{}}
}

// Env is the environment of process name with env last; a later variable
// wins over an earlier one (os.Environ, the shop's env, FnEnv of the
// process's function (BinaryOf), FnEnv[name] for another instance such as
// "projector2", env).
func (s *Shop) Env(name string, env ...string) []string {
	out := append(append([]string{}, s.env...), s.FnEnv[BinaryOf(name)]...)
	if fn := BinaryOf(name); fn != name {
		out = append(out, s.FnEnv[name]...)
	}
	return append(out, env...)
}

// Start runs process name's binary (BinaryOf: "projector2" is a second
// projector) on a free port (another one if its port was taken meanwhile,
// see proctest.StartFree), with env added, and makes it the process's
// current one (Proc).
func (s *Shop) Start(name string, env ...string) *Process {
	s.t.Helper()
	return s.StartBinary(name, filepath.Join(s.bin, BinaryOf(name)), env...)
}

// StartBinary is Start of the binary at path, such as a rebuilt one.
func (s *Shop) StartBinary(name, path string, env ...string) *Process {
	s.t.Helper()
	p, err := s.group.StartFree(name, path, s.Env(name, env...))
	if err != nil {
		s.t.Fatal(err)
	}
	return s.keep(p)
}

// StartOn is Start on a given port, to restart a process where its
// clients expect it.
func (s *Shop) StartOn(name string, port int, env ...string) *Process {
	s.t.Helper()
	p, err := s.group.Start(name, filepath.Join(s.bin, BinaryOf(name)), port, s.Env(name, env...))
	if err != nil {
		s.t.Fatal(err)
	}
	return s.keep(p)
}

// StartHealthy is Start, then WaitHealthy.
func (s *Shop) StartHealthy(name string, env ...string) *Process {
	s.t.Helper()
	p := s.Start(name, env...)
	WaitHealthy(s.t, p)
	return p
}

// StartAll starts every process of the shop (Processes), waits until each
// serves /healthz and returns them by name.
func (s *Shop) StartAll() map[string]*Process {
	s.t.Helper()
	return s.StartScaled(1)
}

// StartScaled is StartAll with n instances of each ordered function
// (Scaled(n): "projector2" is the second projector), each with its own
// consumer name (the runtime's default, host-pid).
func (s *Shop) StartScaled(n int) map[string]*Process {
	s.t.Helper()
	out := map[string]*Process{}
	for _, name := range Scaled(n) {
		out[name] = s.Start(name)
	}
	for _, name := range Scaled(n) {
		WaitHealthy(s.t, out[name])
	}
	return out
}

// keep makes p its function's current process.
func (s *Shop) keep(p *Process) *Process {
	s.mu.Lock()
	s.procs[p.Name] = p
	s.mu.Unlock()
	return p
}

// Proc returns function name's current process: the last one started.
// It fails the test if there is none.
func (s *Shop) Proc(name string) *Process {
	s.t.Helper()
	s.mu.Lock()
	p, ok := s.procs[name]
	s.mu.Unlock()
	if !ok {
		s.t.Fatalf("no process %s", name)
	}
	return p
}

// Client is a client of the current gateway's API.
func (s *Shop) Client() Client {
	s.t.Helper()
	return NewClient(s.Proc(Gateway).URL())
}

// Stop sends SIGTERM to function name's current process, waits up to
// limit for it to exit, fails the test unless it exited 0, and returns how
// long that took.
func (s *Shop) Stop(name string, limit time.Duration) time.Duration {
	s.t.Helper()
	p := s.Proc(name)
	start := time.Now()
	code, err := p.Stop(limit)
	switch {
	case errors.Is(err, proctest.ErrKilled):
		s.t.Fatalf("%s did not exit within %s of SIGTERM", name, limit)
	case err != nil:
		s.t.Fatalf("SIGTERM %s: %v", name, err)
	case code != 0:
		s.t.Fatalf("%s exited %d after SIGTERM, want 0", name, code)
	}
	return time.Since(start)
}

// RunOnce runs function name's binary with args to completion (PORT=0)
// and returns its output; it fails the test if the binary fails.
func (s *Shop) RunOnce(name string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Env = append(append(os.Environ(), s.Env(name)...), "PORT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		s.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// WaitHealthy polls the process's /healthz until it answers 200, failing
// the test after HealthTimeout or if the process exits.
func WaitHealthy(t testing.TB, p *Process) {
	t.Helper()
	if err := p.WaitStatus("/healthz", HealthTimeout); err != nil {
		t.Fatal(err)
	}
}
