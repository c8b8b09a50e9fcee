package foreman

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// defaultRedisPort is the committed .env's REDIS_PORT, where make run
// tries first.
const defaultRedisPort = 6380

// upLine is what scripts/run.sh prints once the gateway answers.
var upLine = regexp.MustCompile(`OrderShop is up: gateway (http://127\.0\.0\.1:\d+) \(Redis on port (\d+),`)

// TestMakeRunBesideTakenPort runs `make run` in the fresh copy while port
// 6380 is taken (the test holds it if it is free): run.sh starts Redis on
// another free port, never 6379; the gateway answers; the CLI, run in the
// copy without REDIS_URL, reads that Redis from .env.run and says so; and
// Ctrl-C (SIGINT to the process group, as a terminal sends it) stops
// everything and removes .env.run.
func TestMakeRunBesideTakenPort(t *testing.T) {
	requireTool(t, "foreman")
	requireTool(t, "curl")
	hold6380(t)
	lines := procfile(t)

	run := start(t, clone, []string{goflags()}, "make", "run")
	m := run.waitFor(upLine, 2*time.Minute)
	gateway, port := m[1], m[2]
	if port == strconv.Itoa(defaultRedisPort) || port == "6379" {
		t.Fatalf("make run put Redis on port %s, want a free port other than 6380 (taken) and 6379", port)
	}
	redisURL := "redis://127.0.0.1:" + port + "/0"
	env, err := os.ReadFile(filepath.Join(clone, ".env.run"))
	if err != nil || !strings.Contains(string(env), "\nREDIS_URL="+redisURL+"\n") {
		t.Fatalf(".env.run (%v):\n%s\nwant REDIS_URL=%s", err, env, redisURL)
	}
	pids := run.startedPids(names(lines), 10*time.Second)
	waitOK(t, run, gateway+"/products", 10*time.Second)
	if first := waitRegistered(t, lines); first != "redis: "+redisURL+" (from .env.run)" {
		t.Errorf("CLI in the project folder says %q, want make run's Redis from .env.run", first)
	}

	took := run.stop(syscall.SIGINT, true, 30*time.Second)
	waitGone(t, pids, 5*time.Second)
	wantGraceful(t, run.out.String(), names(lines))
	if _, err := os.Stat(filepath.Join(clone, ".env.run")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".env.run left behind after make run stopped: %v", err)
	}
	t.Logf("make run beside a taken 6380: Redis on %s; Ctrl-C stopped everything in %s", port, took.Round(time.Millisecond))
}

// hold6380 listens on 127.0.0.1:6380 until the test ends, unless something
// already does (then the port is taken all the same).
func hold6380(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(defaultRedisPort)))
	if err != nil {
		t.Logf("port %d is already taken (%v): make run must pass it by", defaultRedisPort, err)
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
