package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
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
	// same machine that the drain pairs run on too, and the shop (with
	// BinDir) with 1 and 2 instances.
	ClusterURL string
	Cluster    redis.UniversalClient
}

// Report is everything the suite measured.
type Report struct {
	Machine string `json:"machine"`
	Redis   string `json:"redis"`
	// Pairs are the runtime beside the reference loop, A B A B A B.
	Pairs []PairResult `json:"pairs"`
	// ClusterPairs are the same pairs on the 3-master Cluster.
	ClusterPairs []PairResult `json:"cluster_pairs,omitempty"`
	// Drains are single drains: asynq at concurrency 1 and 8.
	Drains []DrainResult `json:"drains"`
	Paced  []PacedResult `json:"paced"`
	Memory MemoryResult  `json:"idempotency_memory"`
	// Shops are the shop end to end with 1 and with 2 instances of each
	// ordered function.
	Shops []ShopResult `json:"shops,omitempty"`
	// Profile is a CPU profile of one extra runtime drain at concurrency 8
	// on one node, after the pairs.
	Profile *ProfileResult `json:"profile,omitempty"`
}

// asynqEvents caps the tasks of an asynq drain: at some 5,000 tasks/s,
// 20,000 measure its rate as well as 100,000 and take 30s less.
const asynqEvents = 20_000

// profileEvents is the least a profiled drain runs: at 100 samples a
// second of CPU and some 0.8s of process CPU per 100,000 events, 300,000
// give some 250 samples.
const profileEvents = 300_000

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
	CountSent(rdb)
	if o.Cluster != nil {
		CountSent(o.Cluster)
	}
	base := Options{Events: o.Events, Payload: o.Payload}
	pairs, err := runPairs(ctx, rdb, base, "one node", log)
	rep.Pairs = pairs
	if err != nil {
		return rep, err
	}
	prof, err := runProfile(ctx, rdb, base, max(2*o.Events, profileEvents), log)
	if err != nil {
		return rep, err
	}
	rep.Profile = &prof
	if o.Cluster != nil {
		pairs, err := runPairs(ctx, o.Cluster, base, "the cluster", log)
		rep.ClusterPairs = pairs
		if err != nil {
			return rep, err
		}
	}
	for _, c := range []int{1, 8} {
		x := base
		x.Concurrency, x.Events = c, min(base.Events, asynqEvents)
		fmt.Fprintf(log, "drain: asynq, concurrency %d, %d tasks …\n", c, x.Events)
		r, err := DrainAsynq(ctx, rdb, x)
		if err != nil {
			return rep, fmt.Errorf("asynq: %w", err)
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
