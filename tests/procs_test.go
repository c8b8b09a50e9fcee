package tests

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/redistest"
)

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is one running function binary.
type proc struct {
	name   string
	port   int
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

// shop is the set of processes of one test.
type shop struct {
	t     *testing.T
	mu    sync.Mutex
	procs map[string]*proc
	logs  []*proc
}

// newShop returns an empty shop whose processes are killed when the test
// ends, their output logged if it failed.
func newShop(t *testing.T) *shop {
	s := &shop{t: t, procs: map[string]*proc{}}
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.procs {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			for _, p := range s.logs {
				t.Logf("--- %s (port %d) output:\n%s", p.name, p.port, p.out.String())
			}
		}
	})
	return s
}

// start runs a function binary with the test environment.
func (s *shop) start(name string) *proc {
	s.t.Helper()
	port, err := redistest.FreePort()
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, name))
	cmd.Env = testEnv(port)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, port: port, cmd: cmd, out: out, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	s.mu.Lock()
	s.procs[name] = p
	s.logs = append(s.logs, p)
	s.mu.Unlock()
	return p
}

// testEnv is the environment of every process of the tests.
func testEnv(port int) []string {
	return append(os.Environ(),
		"REDIS_URL="+srv.URL(), "PORT="+strconv.Itoa(port), "LOG_FORMAT=console",
		"RETRY_BACKOFF_BASE=100ms", "RETRY_POLL_INTERVAL=100ms",
		"CLAIM_MIN_IDLE=2s", "CLAIM_INTERVAL=500ms", "SHUTDOWN_TIMEOUT=3s", "READ_BLOCK=200ms",
	)
}

// runOnce runs a binary with args to completion and returns its output.
func (s *shop) runOnce(name string, args ...string) string {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Env = testEnv(0)
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
	return s.url("gateway")
}

func (s *shop) url(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("http://127.0.0.1:%d", s.procs[name].port)
}

// waitHealthy polls the process's /healthz until it answers 200.
func (s *shop) waitHealthy(name string) {
	s.t.Helper()
	u := s.url(name) + "/healthz"
	redistest.Eventually(s.t, 15*time.Second, func() bool {
		resp, err := http.Get(u)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "%s healthy", name)
}

// stop sends SIGTERM to a process and waits for it to exit 0.
func (s *shop) stop(name string) {
	s.t.Helper()
	s.mu.Lock()
	p := s.procs[name]
	delete(s.procs, name)
	s.mu.Unlock()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		s.t.Fatalf("%s did not stop on SIGTERM", name)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		s.t.Errorf("%s exited %d after SIGTERM, want 0", name, code)
	}
}

// ctx is a context for Redis calls in tests.
func ctx() context.Context { return context.Background() }
