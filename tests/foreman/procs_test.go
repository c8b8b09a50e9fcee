package foreman

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
)

// unsetVars are left out of the commands' environment: the shop's
// variables, which the tests set themselves (the user's own must not leak
// into the processes under test), and those of a make that runs the tests
// (make test), which a make run under test must not inherit.
var unsetVars = []string{"REDIS_URL", "REDIS_CLUSTER_URL", "REDIS_PORT", "PORT", "LOG_FORMAT", "ADMIN_TOKEN", "ADMIN_READONLY_TOKEN", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}

// command is one command the test runs (foreman, make run), in a process
// group of its own so that everything it starts can be killed at the end.
type command struct {
	*proctest.Process
	t *testing.T
}

// requireTool returns the path of tool on PATH, or fails the test: make
// test installs it with make deps.
func requireTool(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		t.Fatalf("%s is not on PATH: `make deps` installs it (make test runs make deps first)", tool)
	}
	return p
}

// environ is os.Environ() without unsetVars, plus extra.
func environ(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, v := range unsetVars {
			keep = keep && name != v
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// start runs name args in dir with environ(extra...). When the test ends,
// the command's whole process group is killed and, if the test failed,
// its output is logged.
func start(t *testing.T, dir string, extra []string, name string, args ...string) *command {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, environ(extra...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p, err := proctest.StartCmd(name, cmd)
	if err != nil {
		t.Fatal(err)
	}
	c := &command{Process: p, t: t}
	t.Cleanup(func() {
		_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
		select {
		case <-p.Exited():
		case <-time.After(10 * time.Second):
		}
		if t.Failed() {
			t.Logf("--- %s %s output:\n%s", name, strings.Join(args, " "), p.Output())
		}
	})
	return c
}

// waitFor polls the output until re matches, and returns the match. It
// fails the test if the command exits first or timeout passes.
func (c *command) waitFor(re *regexp.Regexp, timeout time.Duration) []string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := re.FindStringSubmatch(c.Output()); m != nil {
			return m
		}
		if !c.Alive() {
			c.t.Fatalf("%s exited (exit code %d) before its output matched %s", c.Path, c.ExitCode(), re)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("output did not match %s within %s", re, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startedPids waits until foreman has said "started with pid N" for every
// process in names, and returns the pids by name.
func (c *command) startedPids(names []string, timeout time.Duration) map[string]int {
	c.t.Helper()
	pids := map[string]int{}
	for _, n := range names {
		re := foremanSaid(n, `started with pid (\d+)`)
		pid, err := strconv.Atoi(c.waitFor(re, timeout)[1])
		if err != nil {
			c.t.Fatal(err)
		}
		pids[n] = pid
	}
	return pids
}

// terminate stops the command as a supervisor does, with SIGTERM to it
// alone (see stop).
func (c *command) terminate(timeout time.Duration) time.Duration {
	c.t.Helper()
	return c.stop(syscall.SIGTERM, false, timeout)
}

// ctrlC stops the command as Ctrl-C in a terminal does, with SIGINT to its
// whole process group (see stop).
func (c *command) ctrlC(timeout time.Duration) time.Duration {
	c.t.Helper()
	return c.stop(syscall.SIGINT, true, timeout)
}

// stop sends sig to the command (group: to its whole process group, as
// Ctrl-C in a terminal does), waits up to timeout for it to exit and
// returns how long that took.
func (c *command) stop(sig syscall.Signal, group bool, timeout time.Duration) time.Duration {
	c.t.Helper()
	pid := c.Pid()
	if group {
		pid = -pid
	}
	begin := time.Now()
	if err := syscall.Kill(pid, sig); err != nil {
		c.t.Fatalf("send %s: %v", sig, err)
	}
	select {
	case <-c.Exited():
		return time.Since(begin)
	case <-time.After(timeout):
		c.t.Fatalf("still running %s after %s", timeout, sig)
		return 0
	}
}

// waitGone waits until none of pids is alive (a zombie counts as gone).
func waitGone(t *testing.T, pids map[string]int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var alive []string
		for name, pid := range pids {
			if running(pid) {
				alive = append(alive, fmt.Sprintf("%s (pid %d)", name, pid))
			}
		}
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still running %s after their parent exited: %v", timeout, alive)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running reports whether pid is a live process, not a zombie.
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, os.ErrNotExist) {
		return false
	}
	if err != nil {
		return true
	}
	// The state follows the command name in parentheses: "pid (comm) S ...".
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// foremanSaid matches the line of foreman's output in which it says what
// (a regular expression) about process name's first instance.
func foremanSaid(name, what string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\S+ ` + regexp.QuoteMeta(name) + `\.1\s+\| ` + what + `$`)
}

// wantGraceful fails unless foreman's output says that every process in
// names exited with code 0 and that foreman killed none (its timeout, from
// the committed .foreman, is above the runtime's drain bound).
func wantGraceful(t *testing.T, out string, names []string) {
	t.Helper()
	for _, n := range names {
		if !foremanSaid(n, `exited with code 0`).MatchString(out) {
			t.Errorf("foreman did not report %s exiting with code 0", n)
		}
	}
	if strings.Contains(out, "sending SIGKILL") {
		t.Error("foreman had to SIGKILL processes that had not exited within its timeout")
	}
}
