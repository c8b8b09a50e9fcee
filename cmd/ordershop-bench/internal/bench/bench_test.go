package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// kit holds the shop's binaries, for the shop load, and the package's Redis.
var kit shopkit.Env

func TestMain(m *testing.M) {
	os.Exit(shopkit.Main(m, shopkit.Setup{Binaries: shopkit.Processes(), Redis: &redistest.Options{}}, &kit))
}

func TestDrainsReportEveryEvent(t *testing.T) {
	rdb := kit.Redis.Client(t)
	ctx := context.Background()
	o := Options{Events: 2000, Concurrency: 4, Payload: 64, Timeout: time.Minute}
	cases := []struct {
		name string
		run  func() (DrainResult, error)
	}{
		{"runtime", func() (DrainResult, error) { return DrainRuntime(ctx, rdb, o) }},
		{"runtime emit", func() (DrainResult, error) { e := o; e.Emit = true; return DrainRuntime(ctx, rdb, e) }},
		{"reference", func() (DrainResult, error) { return DrainReference(ctx, rdb, o) }},
		{"reference single reader", func() (DrainResult, error) { s := o; s.Concurrency = 1; return DrainReference(ctx, rdb, s) }},
		{"asynq", func() (DrainResult, error) { return DrainAsynq(ctx, rdb, o) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := c.run()
			if err != nil {
				t.Fatal(err)
			}
			if r.Events != 2000 || r.EventsPerSec <= 0 || r.Seconds <= 0 {
				t.Fatalf("result %+v", r)
			}
			// Both processes work on every drain: their CPU is measured.
			if r.ProcessCPUPer100k <= 0 || r.RedisCPUPer100k <= 0 || r.TotalCPUPer100k() != r.ProcessCPUPer100k+r.RedisCPUPer100k {
				t.Fatalf("CPU figures of %+v", r)
			}
		})
	}
	// Each measurement cleans up after itself.
	keys, err := rdb.Keys(ctx, "bench:*").Result()
	if err != nil || len(keys) != 0 {
		t.Fatalf("left behind %v (%v)", keys, err)
	}
}

func TestPacedMeasuresLatency(t *testing.T) {
	rdb := kit.Redis.Client(t)
	r, err := PacedRuntime(context.Background(), rdb, PacedOptions{Rate: 1000, Duration: time.Second, Concurrency: 4, Payload: 64})
	if err != nil {
		t.Fatal(err)
	}
	if r.Published != 1000 || r.Handled != 1000 || r.P50ms <= 0 || r.P99ms < r.P50ms || r.MaxMs < r.P99ms {
		t.Fatalf("paced result %+v", r)
	}
}

func TestIdempotencyMemory(t *testing.T) {
	rdb := kit.Redis.Client(t)
	r, err := IdempotencyMemory(context.Background(), rdb, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if r.Records != 5000 || r.BytesPerRecord <= 0 || r.BytesPerRecord > 1000 {
		t.Fatalf("memory result %+v", r)
	}
	t.Logf("%.1f bytes per idempotency record", r.BytesPerRecord)
}

// lineWith tells whether one line of text holds every part.
func lineWith(text string, parts ...string) bool {
	for _, l := range strings.Split(text, "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}

func TestShopLoadAndSuiteTable(t *testing.T) {
	own := redistest.New(t, redistest.Options{})
	rdb := own.Client(t)
	s, err := Shop(context.Background(), rdb, ShopOptions{BinDir: kit.Bin, RedisURL: own.URL(), Rate: 100, Duration: time.Second, Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Orders != 100 || s.OrdersPerSec <= 0 || s.PostP99ms < s.PostP50ms || len(s.RSSIdleMB) != len(shopkit.Scaled(2)) || s.Instances != 2 {
		t.Fatalf("shop result %+v", s)
	}
	// Every process's CPU per order is measured (the load generator's too).
	if c := s.CPU; c.Cores < 1 || c.RedisMsPerOrder <= 0 || len(c.ProcessMsPerOrder) != len(shopkit.Scaled(2))+1 || c.ProcessMsPerOrder[shopkit.Gateway] <= 0 || c.CeilingOrdersPerSec <= 0 {
		t.Fatalf("shop CPU %+v", c)
	}
	var buf strings.Builder
	rt := Series{System: RuntimeSystem, Concurrency: 8, Runs: []DrainResult{{System: RuntimeSystem, Concurrency: 8, Events: 10, Payload: 256, EventsPerSec: 5000}}, EventsPerSec: 5000, TotalCPUPer100k: 1.25}
	ref := Series{System: ReferenceSystem, Concurrency: 8, Runs: []DrainResult{{System: ReferenceSystem, Concurrency: 8, Events: 10, EventsPerSec: 10000}}, EventsPerSec: 10000, TotalCPUPer100k: 0.5}
	Report{
		Pairs:        []PairResult{{Name: "runtime/reference, concurrency 8", A: rt, B: ref, Ratio: 0.5, Target: 0.8, CPURatio: 2.5, CPUTarget: 1.5}},
		ClusterPairs: []PairResult{{Name: "runtime/reference, concurrency 8", A: rt, B: ref, Ratio: 0.25, Target: 0.8, CPURatio: 3, CPUTarget: 1.5}},
		Drains:       []DrainResult{{System: "asynq", Concurrency: 8, Events: 10, EventsPerSec: 1000}},
		Shops:        []ShopResult{s},
	}.WriteTable(&buf)
	if !lineWith(buf.String(), "runtime/reference, concurrency 8", "5000/s", "10000/s", "0.50", "≥ 0.8") {
		t.Errorf("table lacks the pair's line with medians, ratio and target:\n%s", buf.String())
	}
	if !lineWith(buf.String(), "runtime, concurrency 8", "1.250") || !lineWith(buf.String(), "reference loop, concurrency 8", "0.500") {
		t.Errorf("table lacks the CPU lines of both sides:\n%s", buf.String())
	}
	if !lineWith(buf.String(), "runtime/reference, concurrency 8", "0.25") || !strings.Contains(buf.String(), "CPU per 100,000 events (s) on the 3-master Cluster") {
		t.Errorf("table lacks the pairs on the Cluster:\n%s", buf.String())
	}
	for _, want := range []string{"drain on one node, 10 events of 256 bytes", "concurrency 8 1000/s (runtime/asynq 5.0×)", "CPU per 100,000 events",
		"CPU runtime/reference, concurrency 8 (total): 2.50 (target ≤ 1.5)", "orders/s", "gateway", "projector2", "2 instance(s)",
		"CPU ms per order, first POST to last reaction", "ms CPU per order → at most", "why runtime/reference, concurrency 8 0.50 < 0.8"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
}
