package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/cmd/ordershop-bench/internal/bench"
	"github.com/ordershop/functions/internal/testkit/clitest"
	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// kit holds the package's Redis.
var kit shopkit.Env

func TestMain(m *testing.M) {
	cmdkit.QuietRedis()
	os.Exit(shopkit.Main(m, shopkit.Setup{Redis: &redistest.Options{}}, &kit))
}

// cli runs the ordershop-bench command line in-process with env (REDIS_URL
// defaults to the test server; an empty value is an unset variable) and
// returns the exit code, stdout and stderr.
func cli(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut proctest.Buffer
	code := run(context.Background(), args, &out, &errOut, clitest.Getenv(env, map[string]string{redisURLVar: kit.Redis.URL()}))
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

func TestBenchReferenceDrain(t *testing.T) {
	code, out, errOut := cli(t, nil, "--events", "3000", "--concurrency", "2", "--reference", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r bench.DrainResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.System != bench.ReferenceSystem || r.Events != 3000 || r.Concurrency != 2 || r.EventsPerSec <= 0 || r.ProcessCPUPer100k <= 0 || r.RedisCPUPer100k <= 0 {
		t.Fatalf("result %+v", r)
	}
	code, out, errOut = cli(t, nil, "--events", "1000", "--concurrency", "1")
	if code != 0 || !strings.HasPrefix(out, "runtime drained 1000 events") || !strings.Contains(out, "CPU per 100,000 events") {
		t.Fatalf("exit %d, %q (%s): want the runtime's drain with its CPU", code, out, errOut)
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
		{"--reference", "--emit"},
		{"--reference", "--rate", "100", "--duration", "1s"},
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

func TestDrainPrefersTheClusterURL(t *testing.T) {
	const cluster = "redis://:s3cret@127.0.0.1:1?addr=127.0.0.1:2"
	code, _, errOut := cli(t, map[string]string{redisClusterURLVar: cluster}, "--events", "10", "--concurrency", "1")
	if code != exitError {
		t.Fatalf("exit %d against a cluster nothing listens on: %s", code, errOut)
	}
	if first, _, _ := strings.Cut(errOut, "\n"); first != "redis cluster: redis://:xxxxx@127.0.0.1:1?addr=127.0.0.1:2 (from REDIS_CLUSTER_URL)" {
		t.Fatalf("first stderr line %q, want the cluster over REDIS_URL, password masked", first)
	}
}

func TestExitCodes(t *testing.T) {
	clitest.ExitCodes(t, cli, "s3cret", []clitest.ExitCase{
		{Name: "help", Args: []string{"--help"}, Want: exitOK},
		{Name: "suite help", Args: []string{"suite", "--help"}, Want: exitOK},
		{Name: "unknown flag", Args: []string{"--nope"}, Want: exitUsage},
		{Name: "suite unknown flag", Args: []string{"suite", "--nope"}, Want: exitUsage},
		{Name: "misspelt suite", Args: []string{"suit"}, Want: exitUsage},
		{Name: "suite too few events", Args: []string{"suite", "--events", "10"}, Want: exitUsage},
		{Name: "suite too long", Args: []string{"suite", "--paced-duration", "1h"}, Want: exitUsage},
		{Name: "Redis unreachable", Env: map[string]string{redisURLVar: "redis://:s3cret@127.0.0.1:1/0"}, Args: []string{"--events", "10"}, Want: exitError},
		{Name: "bad REDIS_URL", Env: map[string]string{redisURLVar: "redis://:s3cret@127.0.0.1:1/db"}, Args: []string{"--events", "10"}, Want: exitError},
		{Name: "bad REDIS_CLUSTER_URL", Env: map[string]string{redisClusterURLVar: "redis://:s3cret@127.0.0.1:1?colour=blue"}, Args: []string{"--events", "10"}, Want: exitError},
	})
}
