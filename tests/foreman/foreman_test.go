package foreman

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TestForemanStartOnFreshClone runs `foreman start` in the fresh copy: every
// Procfile line starts, every function answers /healthz, the gateway
// answers a GET with 200, the functions use the Redis the Procfile's redis
// line started, and SIGTERM to foreman stops every process.
//
// foreman's env files win over the environment, so the test cannot move the
// committed .env's Redis (6380, which may be busy here) with REDIS_PORT in
// the environment. It does what make run does: `-e .env,<file>` with a
// later file that names a free port. TestPlainForemanEnvAgrees checks that
// .env alone gives every process one Redis.
func TestForemanStartOnFreshClone(t *testing.T) {
	requireTool(t, "foreman")
	lines := procfile(t)
	redisPort, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	redisURL := fmt.Sprintf("redis://127.0.0.1:%d/0", redisPort)
	override := filepath.Join(t.TempDir(), "test.env")
	if err := os.WriteFile(override, []byte(fmt.Sprintf("REDIS_PORT=%d\nREDIS_URL=%s\n", redisPort, redisURL)), 0o644); err != nil {
		t.Fatal(err)
	}
	base := freeBase(t, len(lines))
	fm := start(t, clone, nil, "foreman", "start", "-p", strconv.Itoa(base), "-e", ".env,"+override)
	pids := fm.startedPids(names(lines), 30*time.Second)

	begin := time.Now()
	waitHealthy(t, fm, lines, base)
	first := waitRegistered(t, lines, "REDIS_URL="+redisURL)
	if want := "redis: " + redisURL + " (from REDIS_URL)"; first != want {
		t.Errorf("CLI says %q, want %q", first, want)
	}
	// The committed .env sets no ADMIN_TOKEN: the dashboard's line stays
	// up and says how to turn it on.
	for i, l := range lines {
		if l.name == "dashboard" {
			url := fmt.Sprintf("http://127.0.0.1:%d/", base+portStep*i)
			var code int
			var body string
			redistest.Eventually(t, 10*time.Second, func() bool { code, body = get(url); return code != 0 }, "the dashboard answers on %s", url)
			if code != http.StatusServiceUnavailable || !strings.Contains(body, "set ADMIN_TOKEN") {
				t.Errorf("foreman start without a token: GET %s = %d %.200s, want 503 saying to set ADMIN_TOKEN", url, code, body)
			}
		}
	}
	t.Logf("%d processes up in %s (gateway :%d, Redis :%d)", len(lines), time.Since(begin).Round(time.Millisecond), base, redisPort)

	took := fm.terminate(30 * time.Second)
	waitGone(t, pids, 5*time.Second)
	wantGraceful(t, fm.Output(), names(lines))
	t.Logf("SIGTERM to foreman: every process exited 0 in %s", took.Round(time.Millisecond))
}

// TestMakeRunBesideTakenPort runs `make run` in the fresh copy while ports
// 6379 and 6380 are taken (the test holds each that is free, so it never
// starts a Redis on 6379): run.sh starts Redis on another free port and
// says that the seed's client flushes 6379; the gateway answers; the CLI, run in the
// copy without REDIS_URL, reads that Redis from .env.run and says so; and
// Ctrl-C (SIGINT to the process group, as a terminal sends it) stops
// everything and removes .env.run.
func TestMakeRunBesideTakenPort(t *testing.T) {
	requireTool(t, "foreman")
	requireTool(t, "curl")
	hold(t, 6379)
	hold(t, defaultRedisPort)
	lines := procfile(t)

	run := start(t, clone, []string{goflags()}, "make", "run")
	m := run.waitFor(upLine, 2*time.Minute)
	gateway, port := m[1], m[2]
	if port == strconv.Itoa(defaultRedisPort) || port == "6379" {
		t.Fatalf("make run put Redis on port %s, want a free port other than 6379 and 6380 (taken)", port)
	}
	dash := run.waitFor(dashboardLine, 5*time.Second)
	if !strings.Contains(run.Output(), "client/client.py flushes 127.0.0.1:6379") {
		t.Errorf("make run did not say that the seed's client flushes 6379, not the shop's Redis:\n%s", run.Output())
	}
	redisURL := "redis://127.0.0.1:" + port + "/0"
	env, err := os.ReadFile(filepath.Join(clone, ".env.run"))
	if err != nil || !strings.Contains(string(env), "\nREDIS_URL="+redisURL+"\n") {
		t.Fatalf(".env.run (%v):\n%s\nwant REDIS_URL=%s", err, env, redisURL)
	}
	// Without ADMIN_TOKEN make run makes one, in .env.run only (owner-only).
	token := envValue(string(env), "ADMIN_TOKEN")
	if len(token) < 32 || strings.Contains(run.Output(), token) {
		t.Errorf("make run without ADMIN_TOKEN: .env.run's ADMIN_TOKEN %d characters, printed: %v; want a random one, never printed", len(token), strings.Contains(run.Output(), token))
	}
	if st, err := os.Stat(filepath.Join(clone, ".env.run")); err != nil {
		t.Error(err)
	} else if st.Mode().Perm() != 0o600 {
		t.Errorf(".env.run mode %v, want 0600: it holds the token", st.Mode().Perm())
	}
	wantDashboard(t, dash, gateway, "the ADMIN_TOKEN in .env.run", token)
	pids := run.startedPids(names(lines), 10*time.Second)
	waitOK(t, run, gateway+"/products", 10*time.Second)
	if first := waitRegistered(t, lines); first != "redis: "+redisURL+" (from .env.run)" {
		t.Errorf("CLI in the project folder says %q, want make run's Redis from .env.run", first)
	}

	took := run.ctrlC(30 * time.Second)
	waitGone(t, pids, 5*time.Second)
	wantGraceful(t, run.Output(), names(lines))
	if _, err := os.Stat(filepath.Join(clone, ".env.run")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".env.run left behind after make run stopped: %v", err)
	}
	t.Logf("make run beside a taken 6380: Redis on %s; Ctrl-C stopped everything in %s", port, took.Round(time.Millisecond))
}

// TestMakeRunTakesSeedPortWhenFree: make run puts the shop's Redis on the
// seed client's port (6379) when it is free, so that the seed's client,
// which flushes 127.0.0.1:6379, flushes the shop's Redis. The test names
// a free port as the seed's (SEED_REDIS_PORT), so it never takes 6379.
// It also runs the shop without its CRM (WITHOUT=crm), as the seed's
// client is run a second time: the CRM is not started, the rest is.
func TestMakeRunTakesSeedPortWhenFree(t *testing.T) {
	requireTool(t, "foreman")
	requireTool(t, "curl")
	seed, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	lines := procfile(t)
	run := start(t, clone, []string{goflags(), "SEED_REDIS_PORT=" + strconv.Itoa(seed), "WITHOUT=crm", "ADMIN_TOKEN=make-run-token"}, "make", "run")
	m := run.waitFor(upLine, 2*time.Minute)
	wantDashboard(t, run.waitFor(dashboardLine, 5*time.Second), m[1], "your ADMIN_TOKEN", "make-run-token")
	if m[2] != strconv.Itoa(seed) {
		t.Fatalf("make run put Redis on %s, want the free seed port %d", m[2], seed)
	}
	if strings.Contains(run.Output(), "flushes") {
		t.Errorf("make run warned about the seed's client although the shop's Redis is on its port:\n%s", run.Output())
	}
	var without []string
	for _, n := range names(lines) {
		if n != "crm" {
			without = append(without, n)
		}
	}
	pids := run.startedPids(without, 10*time.Second)
	waitOK(t, run, m[1]+"/products", 10*time.Second)
	if strings.Contains(run.Output(), " crm.1 ") {
		t.Errorf("WITHOUT=crm started the crm:\n%s", run.Output())
	}
	run.ctrlC(30 * time.Second)
	waitGone(t, pids, 5*time.Second)
}
