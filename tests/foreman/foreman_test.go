package foreman

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
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
	t.Logf("%d processes up in %s (gateway :%d, Redis :%d)", len(lines), time.Since(begin).Round(time.Millisecond), base, redisPort)

	took := fm.stop(syscall.SIGTERM, false, 30*time.Second)
	waitGone(t, pids, 5*time.Second)
	wantGraceful(t, fm.out.String(), names(lines))
	t.Logf("SIGTERM to foreman: every process exited 0 in %s", took.Round(time.Millisecond))
}

// wantGraceful fails unless foreman's output says that every process in
// names exited with code 0 and that foreman killed none (its timeout, from
// the committed .foreman, is above the runtime's drain bound).
func wantGraceful(t *testing.T, out string, names []string) {
	t.Helper()
	for _, n := range names {
		if !regexp.MustCompile(`(?m)^\S+ ` + regexp.QuoteMeta(n) + `\.1\s+\| exited with code 0$`).MatchString(out) {
			t.Errorf("foreman did not report %s exiting with code 0", n)
		}
	}
	if strings.Contains(out, "sending SIGKILL") {
		t.Error("foreman had to SIGKILL processes that had not exited within its timeout")
	}
}
