package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/internal/testkit/clitest"
	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

var srv *redistest.Server

func TestMain(m *testing.M) {
	cmdkit.QuietRedis()
	os.Exit(redistest.Run(m, &srv))
}

// cli runs the ordershop command line in-process against the test Redis
// (or env's REDIS_URL) and returns the exit code, stdout and stderr.
func cli(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return cliContext(context.Background(), env, args...)
}

func cliContext(ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	return cliIn(ctx, "", env, args...)
}

// cliIn is cliContext run in folder dir, where the CLI looks for .env and
// .env.run ("" is the package's folder, which has neither).
func cliIn(ctx context.Context, dir string, env map[string]string, args ...string) (int, string, string) {
	var out, errOut proctest.Buffer
	code := run(ctx, args, streams{stdout: &out, stderr: &errOut, getenv: getenv(env), dir: dir})
	return code, out.String(), errOut.String()
}

// getenv serves REDIS_URL from env, defaulting to the test server; an
// empty value in env is an unset variable.
func getenv(env map[string]string) func(string) string {
	return clitest.Getenv(env, map[string]string{"REDIS_URL": srv.URL()})
}

// wantCode fails the test unless the command exited with want.
func wantCode(t *testing.T, want int, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := cli(t, nil, args...)
	if code != want {
		t.Fatalf("ordershop %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out, errOut
}
