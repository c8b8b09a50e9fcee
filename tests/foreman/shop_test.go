package foreman

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// portStep is foreman's distance between the ports of consecutive
// Procfile lines: line i gets PORT base + 100*i.
const portStep = 100

// procLine is one Procfile line.
type procLine struct {
	name string
	// function is true for a line "name: bin/<binary>" of a shop function
	// (binary is shopkit.BinaryOf(name): "projector2: bin/projector" is a
	// second projector), which serves /healthz on its PORT.
	function bool
}

// procfileLine is "name: command".
var procfileLine = regexp.MustCompile(`^([A-Za-z0-9_-]+):\s*(.+)$`)

// procfile reads the copy's Procfile, in order.
func procfile(t *testing.T) []procLine {
	t.Helper()
	f, err := os.Open(filepath.Join(clone, "Procfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []procLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := procfileLine.FindStringSubmatch(sc.Text()); m != nil {
			lines = append(lines, procLine{name: m[1], function: strings.TrimSpace(m[2]) == "bin/"+shopkit.BinaryOf(m[1])})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 || !lines[0].function {
		t.Fatalf("Procfile: want the gateway function first (it gets foreman's base port), got %v", lines)
	}
	return lines
}

// names are the lines' process names.
func names(lines []procLine) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l.name)
	}
	return out
}

// freeBase returns a foreman base port below the kernel's ephemeral range
// where every one of n lines' ports is free on loopback.
func freeBase(t *testing.T, n int) int {
	t.Helper()
	for base := 21000; base+portStep*n < 32768; base += 1000 {
		ok := true
		for i := 0; i < n && ok; i++ {
			ok = portFree(base + portStep*i)
		}
		if ok {
			return base
		}
	}
	t.Fatalf("no free foreman port range for %d lines", n)
	return 0
}

// portFree reports whether port can be bound on 127.0.0.1.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// get fetches url; a connection error is status 0.
func get(url string) (int, string) {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// waitOK polls GET url until it answers 200 and fails the test after
// timeout or as soon as c has exited.
func waitOK(t *testing.T, c *command, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		code, body := get(url)
		if code == http.StatusOK {
			return
		}
		if !c.Alive() {
			t.Fatalf("GET %s: %d %s, and the shop has exited", url, code, body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %s after %s, want 200", url, code, body, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitHealthy waits until every function line answers /healthz 200 on
// its foreman port and the gateway answers a shop GET with 200.
func waitHealthy(t *testing.T, c *command, lines []procLine, base int) {
	t.Helper()
	for i, l := range lines {
		if l.function {
			waitOK(t, c, fmt.Sprintf("http://127.0.0.1:%d/healthz", base+portStep*i), 60*time.Second)
		}
	}
	waitOK(t, c, fmt.Sprintf("http://127.0.0.1:%d/products", base), 10*time.Second)
}

// cliStatus runs the copy's bin/ordershop status --json in the copy with
// environ(extra...), and returns its first stderr line and the functions
// it lists as registered.
func cliStatus(t *testing.T, extra ...string) (string, map[string]bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(clone, "bin", "ordershop"), "status", "--json")
	cmd.Dir, cmd.Env = clone, environ(extra...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ordershop status: %v\nstdout: %s\nstderr: %s", err, out, stderr.String())
	}
	var st []struct {
		Name       string `json:"name"`
		Registered bool   `json:"registered"`
	}
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("ordershop status --json: %v\n%s", err, out)
	}
	reg := map[string]bool{}
	for _, f := range st {
		reg[f.Name] = f.Registered
	}
	first, _, _ := strings.Cut(stderr.String(), "\n")
	return first, reg
}

// waitRegistered runs cliStatus until every function line but the gateway
// (which consumes no stream) has registered in the Redis the CLI reads,
// and returns the CLI's first stderr line.
func waitRegistered(t *testing.T, lines []procLine, extra ...string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		first, reg := cliStatus(t, extra...)
		var missing []string
		for _, l := range lines[1:] {
			if l.function && !reg[shopkit.BinaryOf(l.name)] {
				missing = append(missing, l.name)
			}
		}
		if len(missing) == 0 {
			return first
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not registered in the Redis of %q (status lists %v)", missing, first, reg)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// defaultRedisPort is the committed .env's REDIS_PORT, where make run
// tries first.
const defaultRedisPort = 6380

// upLine is what scripts/run.sh prints once the gateway answers.
var upLine = regexp.MustCompile(`OrderShop is up: gateway (http://127\.0\.0\.1:\d+) \(Redis on port (\d+),`)

// dashboardLine is what it prints next: the dashboard process's URL (the
// Procfile's dashboard line), whose token to log in with, and the
// dashboard under the gateway.
var dashboardLine = regexp.MustCompile(`Dashboard: (http://127\.0\.0\.1:\d+)/ \(log in with (.+); also at (http://127\.0\.0\.1:\d+)/admin/ui/\)`)

// wantDashboard fails unless the dashboard line names the gateway and
// the dashboard process logs in with token (and only with token) at its
// own URL and under the gateway.
func wantDashboard(t *testing.T, line []string, gateway, tokenFrom, token string) {
	t.Helper()
	if line[2] != tokenFrom || line[3] != gateway {
		t.Errorf("make run says the dashboard logs in with %q and is also at %s; want %q and the gateway %s", line[2], line[3], tokenFrom, gateway)
	}
	for _, base := range []string{line[1], gateway + "/admin/ui"} {
		if code := login(base, "not-"+token); code != http.StatusUnauthorized {
			t.Errorf("%s/login with a wrong token = %d, want 401", base, code)
		}
		if code := login(base, token); code != http.StatusSeeOther {
			t.Errorf("%s/login with the token = %d, want 303 (a session)", base, code)
		}
	}
}

// login POSTs token to base/login and returns the status, redirects not
// followed.
func login(base, token string) int {
	c := http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"token": {token}})
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// envValue is the value of name in an env file's text, "" if absent.
func envValue(text, name string) string {
	for _, l := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(l, name+"="); ok {
			return v
		}
	}
	return ""
}

// hold listens on 127.0.0.1:port until the test ends, unless something
// already does (then the port is taken all the same).
func hold(t *testing.T, port int) {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Logf("port %d is already taken (%v): make run must pass it by", port, err)
		return
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
}
