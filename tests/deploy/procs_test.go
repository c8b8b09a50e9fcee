package deploy

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/redistest"
)

// lockedBuffer collects a process's output for the failure log.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fnProc is one running function binary of a fleet.
type fnProc struct {
	name   string
	path   string
	port   int
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan struct{}
}

// pid is the process id.
func (p *fnProc) pid() int { return p.cmd.Process.Pid }

// running reports whether the process has not exited.
func (p *fnProc) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// baseURL is the process's HTTP address on loopback.
func (p *fnProc) baseURL() string { return "http://127.0.0.1:" + strconv.Itoa(p.port) }

// fleet is the set of function processes of one test, all against one
// Redis. Every process is killed when the test ends; if it failed, their
// output is logged.
type fleet struct {
	t        *testing.T
	redisURL string
	env      []string
	mu       sync.Mutex
	procs    map[string]*fnProc
	all      []*fnProc
}

// newFleet returns an empty fleet for redisURL; env is added to every
// process's environment.
func newFleet(t *testing.T, redisURL string, env ...string) *fleet {
	f := &fleet{t: t, redisURL: redisURL, env: env, procs: map[string]*fnProc{}}
	t.Cleanup(func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, p := range f.all {
			if p.running() {
				_ = p.cmd.Process.Kill()
				<-p.exited
			}
		}
		if t.Failed() {
			for _, p := range f.all {
				t.Logf("--- %s (pid %d, port %d) output:\n%s", p.name, p.pid(), p.port, p.out.String())
			}
		}
	})
	return f
}

// start runs the binary at path as function name on a free port, with
// CONSUMER_NAME deploytest-<name> so its registry entries can be told apart.
func (f *fleet) start(name, path string) *fnProc {
	f.t.Helper()
	port, err := redistest.FreePort()
	if err != nil {
		f.t.Fatal(err)
	}
	cmd := exec.Command(path)
	cmd.Env = append(os.Environ(), "REDIS_URL="+f.redisURL, "PORT="+strconv.Itoa(port),
		"LISTEN_HOST=127.0.0.1", "LOG_FORMAT=console", "CONSUMER_NAME="+consumerName(name))
	cmd.Env = append(cmd.Env, f.env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.t.Fatalf("start %s: %v", path, err)
	}
	p := &fnProc{name: name, path: path, port: port, cmd: cmd, out: out, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	f.mu.Lock()
	f.procs[name] = p
	f.all = append(f.all, p)
	f.mu.Unlock()
	return p
}

// proc returns the current process of function name.
func (f *fleet) proc(name string) *fnProc {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.procs[name]
	if !ok {
		f.t.Fatalf("no process %s", name)
	}
	return p
}

// consumerName is the CONSUMER_NAME the fleet gives function name.
func consumerName(name string) string { return "deploytest-" + name }

// terminate sends SIGTERM to function name's process, waits (bounded) for
// it to exit, checks it exited 0 and returns how long it took.
func (f *fleet) terminate(name string, timeout time.Duration) time.Duration {
	f.t.Helper()
	p := f.proc(name)
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		f.t.Fatalf("SIGTERM %s: %v", name, err)
	}
	select {
	case <-p.exited:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		f.t.Fatalf("%s did not exit within %s of SIGTERM", name, timeout)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		f.t.Fatalf("%s exited %d after SIGTERM, want 0", name, code)
	}
	return time.Since(start)
}

// probe is one GET of a process's health endpoint.
type probe struct {
	code int
	body string
}

// get fetches path from the process; a connection error is code 0.
func (p *fnProc) get(path string) probe {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(p.baseURL() + path)
	if err != nil {
		return probe{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return probe{code: resp.StatusCode, body: strings.TrimSpace(string(b))}
}

// String describes the probe for failure messages.
func (pr probe) String() string { return fmt.Sprintf("%d %s", pr.code, pr.body) }
