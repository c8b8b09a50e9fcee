package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/cmd/ordershop-bench/internal/bench"
	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// kit holds the package's Redis.
var kit shopkit.Env

func TestMain(m *testing.M) {
	redis.SetLogger(quietLogger{})
	os.Exit(shopkit.Main(m, shopkit.Setup{Redis: &redistest.Options{}}, &kit))
}

// cli runs the ordershop-bench command line in-process with env (REDIS_URL
// defaults to the test server; an empty value is an unset variable) and
// returns the exit code, stdout and stderr.
func cli(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == redisURLVar {
			return kit.Redis.URL()
		}
		return ""
	}
	var out, errOut proctest.Buffer
	code := run(context.Background(), args, &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}
func TestBenchDrainJSON(t *testing.T) {
	code, out, errOut := cli(t, nil, "--events", "2000", "--concurrency", "4", "--emit", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Rate        float64 `json:"drain_events_per_sec"`
		Events      int     `json:"events"`
		Concurrency int     `json:"concurrency"`
		Emit        bool    `json:"emit"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Rate <= 0 || r.Events != 2000 || r.Concurrency != 4 || !r.Emit {
		t.Fatalf("result %+v", r)
	}
}

func TestBenchPacedJSON(t *testing.T) {
	code, out, errOut := cli(t, nil, "--rate", "500", "--duration", "1s", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r bench.PacedResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Published != 500 || r.P50ms <= 0 || r.P99ms < r.P50ms || r.MaxMs < r.P99ms {
		t.Fatalf("result %+v from %s", r, out)
	}
}

func TestBenchRejectsUnboundedRuns(t *testing.T) {
	for _, args := range [][]string{
		{"--rate", "100"},
		{"--events", "0"},
		{"--rate", "1000000", "--duration", "1s"},
		{"--duration", "1h", "--rate", "10"},
	} {
		if code, _, _ := cli(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", args, code)
		}
	}
}

func TestDrainNamesItsRedis(t *testing.T) {
	code, _, errOut := cli(t, nil, "--events", "100", "--concurrency", "1")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if first, _, _ := strings.Cut(errOut, "\n"); first != "redis: "+kit.Redis.URL()+" (from REDIS_URL)" {
		t.Fatalf("first stderr line %q, want the test server from REDIS_URL", first)
	}
}

func TestExitCodes(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"help", nil, []string{"--help"}, exitOK},
		{"suite help", nil, []string{"suite", "--help"}, exitOK},
		{"unknown flag", nil, []string{"--nope"}, exitUsage},
		{"suite unknown flag", nil, []string{"suite", "--nope"}, exitUsage},
		{"misspelt suite", nil, []string{"suit"}, exitUsage},
		{"suite too few events", nil, []string{"suite", "--events", "10"}, exitUsage},
		{"suite too long", nil, []string{"suite", "--paced-duration", "1h"}, exitUsage},
		{"Redis unreachable", map[string]string{redisURLVar: "redis://:s3cret@127.0.0.1:1/0"}, []string{"--events", "10"}, exitError},
		{"bad REDIS_URL", map[string]string{redisURLVar: "redis://:s3cret@127.0.0.1:1/db"}, []string{"--events", "10"}, exitError},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := cli(t, c.env, c.args...)
			if code != c.want {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.want, out, errOut)
			}
			if strings.Contains(out+errOut, "s3cret") {
				t.Fatalf("password in output: %s %s", out, errOut)
			}
		})
	}
}
