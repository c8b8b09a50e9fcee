package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// unreachable is a Redis URL nothing listens on: a test that reads it
// fails with exit 1 instead of passing by accident.
const unreachable = "redis://127.0.0.1:1/0"

// projectDir returns a temporary folder holding the given env files.
func projectDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// noRedisURL is an environment without REDIS_URL.
var noRedisURL = map[string]string{redisURLVar: ""}

// wantRedisLine runs status in dir with env and checks that it succeeds
// and that its first stderr line names want.
func wantRedisLine(t *testing.T, dir string, env map[string]string, want string) {
	t.Helper()
	code, out, errOut := cliIn(context.Background(), dir, env, "status")
	if code != exitOK {
		t.Fatalf("exit %d, want 0\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if first, _, _ := strings.Cut(errOut, "\n"); first != want {
		t.Fatalf("first stderr line %q, want %q", first, want)
	}
}

func TestRedisFromDotenvWithoutRedisURL(t *testing.T) {
	dir := projectDir(t, map[string]string{envFile: "# defaults\nREDIS_PORT=1\nREDIS_URL=" + srv.URL() + "\n"})
	wantRedisLine(t, dir, noRedisURL, "redis: "+srv.URL()+" (from .env)")
}

func TestRedisURLWinsOverDotenv(t *testing.T) {
	dir := projectDir(t, map[string]string{envFile: "REDIS_URL=" + unreachable + "\n", runEnvFile: "REDIS_URL=" + unreachable + "\n"})
	wantRedisLine(t, dir, map[string]string{redisURLVar: srv.URL()}, "redis: "+srv.URL()+" (from REDIS_URL)")
}

func TestRunEnvWinsOverDotenv(t *testing.T) {
	dir := projectDir(t, map[string]string{envFile: "REDIS_URL=" + unreachable + "\n", runEnvFile: "REDIS_URL=" + srv.URL() + "\n"})
	wantRedisLine(t, dir, noRedisURL, "redis: "+srv.URL()+" (from .env.run)")
}

func TestRunEnvWithoutRedisURLFallsBackToDotenv(t *testing.T) {
	dir := projectDir(t, map[string]string{envFile: "REDIS_URL=" + srv.URL() + "\n", runEnvFile: "LOG_FORMAT=json\n"})
	wantRedisLine(t, dir, noRedisURL, "redis: "+srv.URL()+" (from .env)")
}

// TestRedisDefaultWithoutDotenv checks the choice without running a
// command: the default is the runtime's, 127.0.0.1:6379, which tests
// never touch.
func TestRedisDefaultWithoutDotenv(t *testing.T) {
	src, err := findRedis(getenv(noRedisURL), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if src.url != "redis://127.0.0.1:6379/0" || src.from != "default" {
		t.Fatalf("got %+v, want the runtime's default", src)
	}
	if got, want := src.String(), "redis: redis://127.0.0.1:6379/0 (default: neither REDIS_CLUSTER_URL nor REDIS_URL is set, nor in .env.run or .env here)"; got != want {
		t.Fatalf("line %q, want %q", got, want)
	}
}

func TestDotenvPasswordMasked(t *testing.T) {
	dir := projectDir(t, map[string]string{envFile: "REDIS_URL='redis://:s3cret@127.0.0.1:1/0'\n"})
	code, out, errOut := cliIn(context.Background(), dir, noRedisURL, "dlq", "list")
	if code != exitError {
		t.Fatalf("exit %d, want %d (unreachable)\nstdout: %s\nstderr: %s", code, exitError, out, errOut)
	}
	if !strings.HasPrefix(errOut, "redis: redis://:xxxxx@127.0.0.1:1/0 (from .env)\n") {
		t.Fatalf("stderr does not start with the masked URL:\n%s", errOut)
	}
	if strings.Contains(out+errOut, "s3cret") {
		t.Fatalf("password in output:\n%s%s", out, errOut)
	}
}

func TestUnreadableDotenvIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, envFile), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cliIn(context.Background(), dir, noRedisURL, "status")
	if code != exitError || !strings.Contains(errOut, "read .env") {
		t.Fatalf("exit %d, stderr %q; want exit 1 naming .env", code, errOut)
	}
}

// TestParseDotenv follows ruby-foreman 0.87's Foreman::Env.
func TestParseDotenv(t *testing.T) {
	in := "# comment\r\n\nA=1\nexport B=2\nC='x \\n y'\nD=\"a\\nb \\\"q\\\"\"\nE=\nA=last\n bad=1\nF=has=equals\n"
	want := map[string]string{"A": "last", "C": `x \n y`, "D": "a\nb \"q\"", "E": "", "F": "has=equals"}
	if got := parseDotenv([]byte(in)); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}
