package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/cmd/ordershop-bench/internal/bench"
)

// Bounds of the flags, so that no run is unbounded.
const (
	maxBenchEvents   = 10_000_000
	maxBenchRate     = 200_000
	maxBenchDuration = 10 * time.Minute
)

// newRootCmd builds the ordershop-bench command: a drain or paced run
// against $REDIS_CLUSTER_URL or $REDIS_URL, and the suite subcommand.
func newRootCmd(stdout, stderr io.Writer, getenv func(string) string) *cobra.Command {
	var (
		o         bench.Options
		rate      int
		duration  time.Duration
		asJSON    bool
		reference bool
	)
	cmd := &cobra.Command{
		Use:   "ordershop-bench",
		Short: "Measure the runtime against REDIS_URL: drain speed or paced latency",
		Long: `Measure the real runtime (default configuration: idempotency on, retries and
dead letters armed) with a no-op handler, on a stream, group and queue of
its own (bench:<random>) that it deletes afterwards, on the Redis Cluster
of REDIS_CLUSTER_URL, else the Redis of REDIS_URL (else the runtime's
default), which it names first on stderr.

Drain (default): pre-load --events events of --payload bytes, then time
the runtime until every event is handled and acked. --emit makes the
handler emit one event per input. --reference drains the reference loop
instead (c consumers of one group, XREADGROUP COUNT 100 BLOCK 100, the
handler inline, one XACK a batch: what the runtime is compared with).
Both report CPU seconds per 100,000 events of this process and of
redis-server (INFO cpu: on a shared Redis, everyone's).

Paced (--rate and --duration): publish at --rate events/s and report
publish→handler-start latency p50, p99 and max, and whether it kept up.

"ordershop-bench suite" runs the whole comparison table (make bench).

Exit codes: 0 ok, 1 error, 2 usage (bad flags, a run out of bounds).`,
		Example:       "  ordershop-bench --events 100000 --concurrency 8\n  ordershop-bench --reference --concurrency 1\n  ordershop-bench --emit --json\n  ordershop-bench --rate 5000 --duration 10s",
		Args:          noArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Events < 1 || o.Events > maxBenchEvents {
				return usagef("--events %d: want 1 to %d", o.Events, maxBenchEvents)
			}
			if o.Concurrency < 1 || o.Concurrency > 1024 {
				return usagef("--concurrency %d: want 1 to 1024", o.Concurrency)
			}
			if (rate > 0) != (duration > 0) {
				return usagef("--rate and --duration go together")
			}
			if reference && (rate > 0 || o.Emit) {
				return usagef("--reference is a drain without --emit")
			}
			if rate > maxBenchRate || duration > maxBenchDuration {
				return usagef("--rate at most %d, --duration at most %s", maxBenchRate, maxBenchDuration)
			}
			rdb, where, err := connect(getenv, stderr)
			if err != nil {
				return err
			}
			defer rdb.Close()
			var result any
			if rate > 0 {
				r, err := bench.PacedRuntime(cmd.Context(), rdb, bench.PacedOptions{Rate: rate, Duration: duration, Concurrency: o.Concurrency, Payload: o.Payload})
				if err != nil {
					return fmt.Errorf("paced bench on %s: %w", where, err)
				}
				result = r
				if !asJSON {
					fmt.Fprintf(stdout, "%d events/s for %s, concurrency %d: p50 %.2f ms, p99 %.2f ms, max %.2f ms, kept up: %v (%d published, %d handled)\n",
						r.Rate, duration, r.Concurrency, r.P50ms, r.P99ms, r.MaxMs, r.KeptUp, r.Published, r.Handled)
				}
			} else {
				drain := bench.DrainRuntime
				if reference {
					drain = bench.DrainReference
				}
				r, err := drain(cmd.Context(), rdb, o)
				if err != nil {
					return fmt.Errorf("drain bench on %s: %w", where, err)
				}
				result = r
				if !asJSON {
					fmt.Fprintf(stdout, "%s drained %d events (%d bytes, concurrency %d, emit %v) in %.2fs: %.0f events/s; CPU per 100,000 events: %.3fs here, %.3fs redis-server\n",
						r.System, r.Events, o.Payload, r.Concurrency, r.Emit, r.Seconds, r.EventsPerSec, r.ProcessCPUPer100k, r.RedisCPUPer100k)
				}
			}
			if asJSON {
				return cmdkit.WriteJSON(stdout, result)
			}
			return nil
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return fmt.Errorf("%w: %w", errUsage, err) })
	f := cmd.Flags()
	f.IntVar(&o.Events, "events", 100_000, "events to pre-load and drain")
	f.IntVar(&o.Concurrency, "concurrency", 8, "handler invocations at once")
	f.IntVar(&o.Payload, "payload", 256, "bytes of data per event")
	f.BoolVar(&o.Emit, "emit", false, "the handler emits one event per input")
	f.BoolVar(&reference, "reference", false, "drain the hand-written reference loop instead of the runtime")
	f.IntVar(&rate, "rate", 0, "paced run: events per second to publish")
	f.DurationVar(&duration, "duration", 0, "paced run: how long to publish")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	cmd.AddCommand(newSuiteCmd(stdout, stderr))
	return cmd
}
