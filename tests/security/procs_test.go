package security

import (
	"bytes"
	"fmt"
	"io"
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

// proc is one running binary.
type proc struct {
	name   string
	port   int
	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

func (p *proc) url() string { return fmt.Sprintf("http://127.0.0.1:%d", p.port) }

// start runs a binary with env (JSON logs at debug level, so that every
// line a secret could reach is written) until the test ends; its output
// is logged if the test failed.
//
// A free port can be handed out twice (it is free until a process binds
// it), so start waits until the process serves or exits, and tries another
// port if it exited because its port was taken.
func start(t *testing.T, name string, env ...string) *proc {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port, err := redistest.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		p := startOn(t, name, port, env...)
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

// startOn is start on a given port.
func startOn(t *testing.T, name string, port int, env ...string) *proc {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, name))
	cmd.Env = append(append(os.Environ(), "LOG_FORMAT=json", "LOG_LEVEL=debug", "READ_BLOCK=200ms", "SHUTDOWN_TIMEOUT=2s"), env...)
	cmd.Env = append(cmd.Env, "PORT="+strconv.Itoa(port))
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, port: port, cmd: cmd, out: out, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("--- %s output:\n%s", name, out.String())
		}
	})
	return p
}

// get GETs url and returns status and body; transport errors fail the test.
func get(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	return do(t, http.MethodGet, url, "", header...)
}

// do sends a request with an optional body and header pairs.
func do(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// waitStatus polls GET url until it answers want.
func waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	redistest.Eventually(t, 15*time.Second, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == want
	}, "GET %s answers %d", url, want)
}

// noSecrets fails the test if any process output holds one of secrets.
func noSecrets(t *testing.T, procs []*proc, secrets ...string) {
	t.Helper()
	for _, p := range procs {
		out := p.out.String()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s logged the secret %q", p.name, s)
			}
		}
	}
}
