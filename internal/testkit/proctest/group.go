package proctest

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TB is the part of testing.TB that a Group uses.
type TB interface {
	Cleanup(func())
	Failed() bool
	Logf(format string, args ...any)
}

// Group is the processes of one test: every one is killed when the test
// ends and, if it failed, their output is logged.
type Group struct {
	mu    sync.Mutex
	procs []*Process
}

// NewGroup returns an empty group bound to t's end.
func NewGroup(t TB) *Group {
	g := &Group{}
	t.Cleanup(func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		for _, p := range g.procs {
			_ = p.Kill()
		}
		if t.Failed() {
			for _, p := range g.procs {
				t.Logf("--- %s (pid %d, port %d) output:\n%s", p.Name, p.Pid(), p.Port, p.Output())
			}
		}
	})
	return g
}

// Start starts a process as the package-level Start does and adds it to
// the group.
func (g *Group) Start(name, path string, port int, env []string) (*Process, error) {
	p, err := Start(name, path, port, env)
	if err != nil {
		return nil, err
	}
	g.add(p)
	return p, nil
}

// StartFree starts a process as the package-level StartFree does and
// adds it to the group.
func (g *Group) StartFree(name, path string, env []string) (*Process, error) {
	p, err := StartFree(name, path, env)
	if err != nil {
		return nil, err
	}
	g.add(p)
	return p, nil
}

// add puts p in the group.
func (g *Group) add(p *Process) {
	g.mu.Lock()
	g.procs = append(g.procs, p)
	g.mu.Unlock()
}

// StartFree is Start on a port from redistest.FreePort.
//
// A free port can be handed out twice (it is free until a process binds
// it), so StartFree waits until the process serves /healthz (in any
// status) or exits, and tries another port, up to three ports in all, if
// it exited because its port was taken.
func StartFree(name, path string, env []string) (*Process, error) {
	for attempt := 1; ; attempt++ {
		port, err := redistest.FreePort()
		if err != nil {
			return nil, err
		}
		p, err := Start(name, path, port, env)
		if err != nil {
			return nil, err
		}
		if !portTaken(p) || attempt == 3 {
			return p, nil
		}
	}
}

// portTaken waits until p answers /healthz or exits, and reports whether
// it exited because its port was in use.
func portTaken(p *Process) bool {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return strings.Contains(p.Output(), "address already in use")
		default:
		}
		if resp, err := http.Get(p.URL() + "/healthz"); err == nil {
			resp.Body.Close()
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
