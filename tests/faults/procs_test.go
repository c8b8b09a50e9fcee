package faults

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/redistest"
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

// url is the process's HTTP base URL.
func (p *proc) url() string { return fmt.Sprintf("http://127.0.0.1:%d", p.port) }

// alive reports whether the process is still running.
func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// shop is the set of processes of one test, all killed when it ends.
type shop struct {
	t *testing.T
	// env is added to baseEnv for every process; fnEnv per function name.
	env   []string
	fnEnv map[string][]string
	mu    sync.Mutex
	procs []*proc
}

// newShop returns an empty shop on srv whose processes are killed when the
// test ends, their output logged if it failed.
func newShop(t *testing.T, env ...string) *shop {
	s := &shop{t: t, env: append([]string{"REDIS_URL=" + srv.URL()}, env...), fnEnv: map[string][]string{}}
	t.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.procs {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			for _, p := range s.procs {
				t.Logf("--- %s (pid %d, port %d) output:\n%s", p.name, p.cmd.Process.Pid, p.port, p.out.String())
			}
		}
	})
	return s
}

// start runs a function binary; later variables win over earlier ones
// (os.Environ, baseEnv, the shop's env, the function's env, env).
//
// A free port can be handed out twice (it is free until a process binds
// it), so start waits until the process serves or exits, and tries another
// port if it exited because its port was taken.
func (s *shop) start(name string, env ...string) *proc {
	s.t.Helper()
	for attempt := 1; ; attempt++ {
		port, err := redistest.FreePort()
		if err != nil {
			s.t.Fatal(err)
		}
		p := s.startOn(name, port, env...)
		if !portTaken(p) || attempt == 3 {
			return p
		}
	}
}

// portTaken waits until p answers /healthz or exits, and reports whether
// it exited because its port was in use.
func portTaken(p *proc) bool {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return strings.Contains(p.out.String(), "address already in use")
		default:
		}
		if resp, err := http.Get(p.url() + "/healthz"); err == nil {
			resp.Body.Close()
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// startOn is start on a given port (to restart a process where its
// clients expect it).
func (s *shop) startOn(name string, port int, env ...string) *proc {
	s.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name))
	cmd.Env = append(append(append(append(os.Environ(), baseEnv...), s.env...), s.fnEnv[name]...), env...)
	cmd.Env = append(cmd.Env, "PORT="+strconv.Itoa(port))
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, port: port, cmd: cmd, out: out, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
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
	redistest.Eventually(t, 15*time.Second, func() bool {
		if !p.alive() {
			t.Fatalf("%s exited before it was healthy:\n%s", p.name, p.out.String())
		}
		resp, err := http.Get(p.url() + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, "%s healthy", p.name)
}

// kill sends SIGKILL and waits for the process to be gone.
func kill(t testing.TB, p *proc) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %s: %v", p.name, err)
	}
	<-p.exited
}

// terminate sends SIGTERM and waits up to limit for the process to exit;
// it returns how long that took and the exit code (-1: still running, then
// killed).
func terminate(t testing.TB, p *proc, limit time.Duration) (time.Duration, int) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM %s: %v", p.name, err)
	}
	select {
	case <-p.exited:
		return time.Since(start), p.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return time.Since(start), -1
	}
}
