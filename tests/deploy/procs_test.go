package deploy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

// fnProc is one running function binary of a fleet.
type fnProc = proctest.Process

// fleet is the set of function processes of one test, all against one
// Redis. Every process is killed when the test ends; if it failed, their
// output is logged.
type fleet struct {
	t        *testing.T
	redisURL string
	env      []string
	group    *proctest.Group
	mu       sync.Mutex
	procs    map[string]*fnProc
}

// newFleet returns an empty fleet for redisURL; env is added to every
// process's environment.
func newFleet(t *testing.T, redisURL string, env ...string) *fleet {
	return &fleet{t: t, redisURL: redisURL, env: env, group: proctest.NewGroup(t), procs: map[string]*fnProc{}}
}

// start runs the binary at path as function name on a free port, with
// CONSUMER_NAME deploytest-<name> so its registry entries can be told apart.
func (f *fleet) start(name, path string) *fnProc {
	f.t.Helper()
	port, err := redistest.FreePort()
	if err != nil {
		f.t.Fatal(err)
	}
	env := append([]string{"REDIS_URL=" + f.redisURL,
		"LISTEN_HOST=127.0.0.1", "LOG_FORMAT=console", "CONSUMER_NAME=" + consumerName(name)}, f.env...)
	p, err := f.group.Start(name, path, port, env)
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.procs[name] = p
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
	code, err := p.Stop(timeout)
	switch {
	case errors.Is(err, proctest.ErrKilled):
		f.t.Fatalf("%s did not exit within %s of SIGTERM", name, timeout)
	case err != nil:
		f.t.Fatalf("SIGTERM %s: %v", name, err)
	case code != 0:
		f.t.Fatalf("%s exited %d after SIGTERM, want 0", name, code)
	}
	return time.Since(start)
}

// probe is one GET of a process's health endpoint.
type probe struct {
	code int
	body string
}

// get fetches path from process p; a connection error is code 0.
func get(p *fnProc, path string) probe {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(p.URL() + path)
	if err != nil {
		return probe{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return probe{code: resp.StatusCode, body: strings.TrimSpace(string(b))}
}

// String describes the probe for failure messages.
func (pr probe) String() string { return fmt.Sprintf("%d %s", pr.code, pr.body) }
