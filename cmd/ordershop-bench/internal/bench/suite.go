package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"
)

// SuiteOptions size the whole comparison run by `make bench`.
type SuiteOptions struct {
	// Events per drain measurement (default 100,000).
	Events int
	// Payload bytes per event (default 256).
	Payload int
	// PacedDuration is how long each paced run publishes (default 5s).
	PacedDuration time.Duration
	// BinDir holds the shop's binaries; empty skips the shop measurement.
	BinDir string
	// RedisURL is rdb's URL, handed to the shop's processes.
	RedisURL string
	// ShopRate and ShopDuration size the shop load (default 1000/s, 10s).
	ShopRate     int
	ShopDuration time.Duration
	// ClusterURL and Cluster, when set, are a 3-master Redis Cluster on the
	// same machine that the shop also runs on, with 1 and 2 instances.
	ClusterURL string
	Cluster    redis.UniversalClient
}

// Report is everything the suite measured.
type Report struct {
	Machine string        `json:"machine"`
	Redis   string        `json:"redis"`
	Drains  []DrainResult `json:"drains"`
	Paced   []PacedResult `json:"paced"`
	Memory  MemoryResult  `json:"idempotency_memory"`
	// Shops are the shop end to end with 1 and with 2 instances of each
	// ordered function.
	Shops []ShopResult `json:"shops,omitempty"`
}

// RunSuite runs every measurement in one go on one Redis (which should be
// otherwise idle), logging progress to log.
func RunSuite(ctx context.Context, rdb redis.UniversalClient, o SuiteOptions, log io.Writer) (Report, error) {
	if o.Events <= 0 {
		o.Events = 100_000
	}
	if o.PacedDuration <= 0 {
		o.PacedDuration = 5 * time.Second
	}
	if o.ShopRate <= 0 {
		o.ShopRate = 1000
	}
	if o.ShopDuration <= 0 {
		o.ShopDuration = 10 * time.Second
	}
	rep := Report{Machine: machine()}
	if info, err := rdb.InfoMap(ctx, "server").Result(); err == nil {
		rep.Redis = info["Server"]["redis_version"]
	}
	type drain struct {
		label string
		run   func(Options) (DrainResult, error)
		opts  Options
	}
	base := Options{Events: o.Events, Payload: o.Payload}
	with := func(c int, emit bool) Options { x := base; x.Concurrency, x.Emit = c, emit; return x }
	var drains []drain
	for _, c := range []int{1, 8} {
		drains = append(drains,
			drain{"raw", func(x Options) (DrainResult, error) { return DrainRaw(ctx, rdb, x, false) }, with(c, false)},
			drain{"raw pipelined", func(x Options) (DrainResult, error) { return DrainRaw(ctx, rdb, x, true) }, with(c, false)},
			drain{"asynq", func(x Options) (DrainResult, error) { return DrainAsynq(ctx, rdb, x) }, with(c, false)},
			drain{"runtime", func(x Options) (DrainResult, error) { return DrainRuntime(ctx, rdb, x) }, with(c, false)},
			drain{"runtime emit", func(x Options) (DrainResult, error) { return DrainRuntime(ctx, rdb, x) }, with(c, true)},
		)
	}
	for _, d := range drains {
		fmt.Fprintf(log, "drain: %s, concurrency %d …\n", d.label, d.opts.Concurrency)
		r, err := d.run(d.opts)
		if err != nil {
			return rep, fmt.Errorf("%s: %w", d.label, err)
		}
		rep.Drains = append(rep.Drains, r)
	}
	for _, rate := range []int{5000, 20000} {
		fmt.Fprintf(log, "paced: %d events/s for %s …\n", rate, o.PacedDuration)
		r, err := PacedRuntime(ctx, rdb, PacedOptions{Rate: rate, Duration: o.PacedDuration, Concurrency: 8, Payload: o.Payload})
		if err != nil {
			return rep, fmt.Errorf("paced %d: %w", rate, err)
		}
		rep.Paced = append(rep.Paced, r)
	}
	fmt.Fprintln(log, "idempotency record memory …")
	mem, err := IdempotencyMemory(ctx, rdb, 100_000)
	if err != nil {
		return rep, err
	}
	rep.Memory = mem
	for instances := 1; o.BinDir != "" && instances <= 2; instances++ {
		fmt.Fprintf(log, "shop (%d of each ordered function): %d orders/s for %s …\n", instances, o.ShopRate, o.ShopDuration)
		if err := flushAll(ctx, rdb); err != nil {
			return rep, err
		}
		s, err := Shop(ctx, rdb, ShopOptions{BinDir: o.BinDir, RedisURL: o.RedisURL, Rate: o.ShopRate, Duration: o.ShopDuration, Instances: instances})
		if err != nil {
			return rep, fmt.Errorf("shop with %d instances: %w", instances, err)
		}
		rep.Shops = append(rep.Shops, s)
	}
	for instances := 1; o.BinDir != "" && o.Cluster != nil && instances <= 2; instances++ {
		fmt.Fprintf(log, "shop on the cluster (%d of each ordered function): %d orders/s for %s …\n", instances, o.ShopRate, o.ShopDuration)
		if err := flushCluster(ctx, o.Cluster); err != nil {
			return rep, err
		}
		s, err := Shop(ctx, o.Cluster, ShopOptions{BinDir: o.BinDir, RedisURL: o.ClusterURL, Cluster: true, Rate: o.ShopRate, Duration: o.ShopDuration, Instances: instances})
		if err != nil {
			return rep, fmt.Errorf("shop on the cluster with %d instances: %w", instances, err)
		}
		rep.Shops = append(rep.Shops, s)
	}
	return rep, nil
}

// flushCluster empties every master of a Cluster.
func flushCluster(ctx context.Context, c redis.UniversalClient) error {
	cc, ok := c.(*redis.ClusterClient)
	if !ok {
		return c.FlushDB(ctx).Err()
	}
	return cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error { return n.FlushDB(ctx).Err() })
}

func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%d cores (%s), %s/%s, %s", runtime.NumCPU(), model, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// find returns the drain result of system at concurrency c and emit.
func (r Report) find(system string, c int, emit bool) (DrainResult, bool) {
	for _, d := range r.Drains {
		if d.System == system && d.Concurrency == c && d.Emit == emit {
			return d, true
		}
	}
	return DrainResult{}, false
}

// WriteTable prints the report as tables with the ratios and targets.
func (r Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "machine: %s; redis %s\n\n", r.Machine, r.Redis)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	events := 0
	if len(r.Drains) > 0 {
		events = r.Drains[0].Events
	}
	fmt.Fprintf(tw, "drain, %d events, no-op handler\tconcurrency 1\tconcurrency 8\t\n", events)
	for _, sys := range []string{"raw go-redis loop", "raw loop, pipelined ack", "asynq", "runtime"} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", sys, rate(r, sys, 1, false), rate(r, sys, 8, false))
	}
	fmt.Fprintf(tw, "runtime --emit\t%s\t%s\t\n", rate(r, "runtime", 1, true), rate(r, "runtime", 8, true))
	for _, c := range []int{1, 8} {
		raw, _ := r.find("raw go-redis loop", c, false)
		as, _ := r.find("asynq", c, false)
		rt, _ := r.find("runtime", c, false)
		em, _ := r.find("runtime", c, true)
		fmt.Fprintf(tw, "ratio at concurrency %d\truntime/raw %.2f (target ≥0.8)\truntime/asynq %.1f×\t\n", c, rt.EventsPerSec/raw.EventsPerSec, rt.EventsPerSec/as.EventsPerSec)
		fmt.Fprintf(tw, "\temit/raw %.2f (target ≥0.5)\t\t\n", em.EventsPerSec/raw.EventsPerSec)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "paced, publish→handler start\tp50 ms\tp99 ms\tmax ms\tkept up\ttarget\t\n")
	for _, p := range r.Paced {
		target := "p99 ≤ 1 ms"
		if p.Rate >= 20000 {
			target = "keeps up, p99 ≤ 3 ms"
		}
		fmt.Fprintf(tw, "%d events/s\t%.2f\t%.2f\t%.2f\t%v\t%s\t\n", p.Rate, p.P50ms, p.P99ms, p.MaxMs, p.KeptUp, target)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nidempotency record: %.1f bytes of Redis memory (target ≤ 100)\n", r.Memory.BytesPerRecord)
	for _, s := range r.Shops {
		fmt.Fprintf(w, "\nshop end to end on %s, %d instance(s) of projector and inventory: %d orders, %.0f orders/s with every reaction done (target ≥ 1000); POST p50 %.2f ms, p99 %.2f ms (target ≤ 20)\n",
			s.Redis, s.Instances, s.Orders, s.OrdersPerSec, s.PostP50ms, s.PostP99ms)
		names := make([]string, 0, len(s.RSSIdleMB))
		for n := range s.RSSIdleMB {
			names = append(names, n)
		}
		sort.Strings(names)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "RSS (MB, target idle < 30)\tidle\tunder load\t\n")
		for _, n := range names {
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t\n", n, s.RSSIdleMB[n], s.RSSLoadMB[n])
		}
		tw.Flush()
	}
}

func rate(r Report, system string, c int, emit bool) string {
	d, ok := r.find(system, c, emit)
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.0f/s", d.EventsPerSec)
}
