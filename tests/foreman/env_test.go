package foreman

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPlainForemanEnvAgrees asks foreman itself what a plain `foreman
// start` in the fresh copy gives every process: the committed .env's
// REDIS_PORT (the Procfile's redis line listens there) and a REDIS_URL on
// that same loopback port, which is not 6379; foreman's .env wins over
// the environment, so a REDIS_PORT or REDIS_URL in the user's shell does
// not split them. On a copy without a committed .env (the old .gitignore)
// REDIS_PORT is empty and this fails.
func TestPlainForemanEnvAgrees(t *testing.T) {
	requireTool(t, "foreman")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "foreman", "run", "sh", "-c", `printf '%s %s' "$REDIS_PORT" "$REDIS_URL"`)
	cmd.Dir, cmd.Env = clone, environ("REDIS_PORT=1", "REDIS_URL=redis://127.0.0.1:1/0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("foreman run: %v\n%s", err, out)
	}
	port, url, _ := strings.Cut(string(out), " ")
	if n, err := strconv.Atoi(port); err != nil || n == 6379 || n == 1 {
		t.Fatalf("REDIS_PORT %q from .env: want a port of the shop's own, not 6379 and not the environment's", port)
	}
	if want := "redis://127.0.0.1:" + port + "/0"; url != want {
		t.Fatalf("REDIS_URL %q from .env, want %q (the Procfile's Redis)", url, want)
	}
}

// TestRunEnvFileIgnored checks that the file make run writes is ignored by
// git, so that a run leaves the working tree clean.
func TestRunEnvFileIgnored(t *testing.T) {
	requireTool(t, "git")
	if out, err := exec.Command("git", "-C", repoRoot, "check-ignore", "-q", ".env.run").CombinedOutput(); err != nil {
		t.Fatalf(".env.run is not ignored by git: %v %s", err, out)
	}
	if out, err := exec.Command("git", "-C", repoRoot, "check-ignore", "-q", "--no-index", ".env").CombinedOutput(); err == nil {
		t.Fatalf(".env is ignored by git, so a fresh clone has no defaults %s", out)
	}
}
