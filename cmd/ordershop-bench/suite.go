package main

import (
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/cmd/ordershop-bench/internal/bench"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

// newSuiteCmd builds `ordershop-bench suite`, the comparison table of
// `make bench` on a throwaway redis-server.
func newSuiteCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		o           bench.SuiteOptions
		asJSON      bool
		withCluster bool
	)
	cmd := &cobra.Command{
		Use:   "suite",
		Short: "Run the whole comparison (runtime, reference loop, asynq, shop) on a throwaway redis-server",
		Long: `Start a throwaway redis-server on a free loopback port (never REDIS_URL's
Redis) and measure, in one run on it: drains of the runtime beside the
reference loop (c consumers of one group, XREADGROUP COUNT 100 BLOCK 100,
the handler inline, one XACK a batch) at concurrency 1 and 8, and of the
runtime with one emit per event beside the same reference at 8, each pair
run A B A B A B on fresh streams and reported as medians of 3 with their
ratio, with the CPU per 100,000 events of this process and of
redis-server; asynq at concurrency 1 and 8 (at most 20,000 tasks); paced
latency at 5,000 and 20,000 events/s; Redis memory per idempotency
record; and, with --bin, the shop end to end (orders/s, POST latency, RSS
of every function idle and under load). --cluster runs the drain pairs,
and with --bin the shop, on a throwaway 3-master Redis Cluster too.
Prints a table with the ratios and the targets.`,
		Example: "  ordershop-bench suite --bin bin\n  ordershop-bench suite --events 20000 --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Events < 1000 || o.Events > maxBenchEvents {
				return usagef("--events %d: want 1000 to %d", o.Events, maxBenchEvents)
			}
			if o.PacedDuration > maxBenchDuration || o.ShopDuration > maxBenchDuration {
				return usagef("durations at most %s", maxBenchDuration)
			}
			srv, err := redistest.Start(redistest.Options{})
			if err != nil {
				return err
			}
			defer srv.Close()
			rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 64})
			defer rdb.Close()
			o.RedisURL = srv.URL()
			if withCluster {
				cl, err := redistest.StartCluster(redistest.ClusterOptions{Masters: 3})
				if err != nil {
					return err
				}
				defer cl.Close()
				cc := redis.NewClusterClient(cl.Options())
				defer cc.Close()
				o.ClusterURL, o.Cluster = cl.URL(), cc
			}
			rep, err := bench.RunSuite(cmd.Context(), rdb, o, stderr)
			if err != nil {
				return fmt.Errorf("bench suite: %w", err)
			}
			if asJSON {
				return cmdkit.WriteJSON(stdout, rep)
			}
			rep.WriteTable(stdout)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Events, "events", 100_000, "events per drain")
	f.IntVar(&o.Payload, "payload", 256, "bytes of data per event")
	f.DurationVar(&o.PacedDuration, "paced-duration", 5*time.Second, "how long each paced run publishes")
	f.StringVar(&o.BinDir, "bin", "", "directory of the shop's binaries (make build: bin); empty skips the shop")
	f.IntVar(&o.ShopRate, "shop-rate", 1000, "orders per second in the shop run")
	f.DurationVar(&o.ShopDuration, "shop-duration", 10*time.Second, "how long the shop run sends orders")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&withCluster, "cluster", false, "also run the drain pairs (and with --bin the shop) on a throwaway 3-master Redis Cluster on this machine")
	return cmd
}
