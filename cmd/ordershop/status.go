package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/cmd/ordershop/internal/render"
	"github.com/ordershop/functions/runtime/ops"
)

// Bounds of status --interval.
const (
	minWatchInterval     = 500 * time.Millisecond
	maxWatchInterval     = time.Minute
	defaultWatchInterval = 2 * time.Second
)

func newStatusCmd(a *app) *cobra.Command {
	var (
		asJSON, watch bool
		interval      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show every function: group, streams, consumers, lag, pending, retrying, dead",
		Long: `Show every function that has registered itself (and any that only has a
dead-letter stream): its consumer group on each stream, the consumers and
how long they have been idle, and four counts:

  lag       entries not yet delivered to the group (? when Redis cannot tell)
  pending   delivered to a consumer, not yet acked
  retrying  failed invocations waiting for a retry or replay (asynq queue)
  dead      entries in the dead-letter stream dlq:<function>

A partitioned family (<family>:{p0}..{pN}) is one row, its counts summed.
Each partitioned function then gets a table of its partitions:

  partition  p: partition p of each of the function's families
  owner      the instance holding the partition's lease (- when none)
  epoch      the owner's fencing epoch (one more at every takeover)
  lease      how long the lease lasts unless renewed
  lag        undelivered entries, summed over the families' partition p
  pending    delivered, not yet acked, summed the same way

With --watch the view refreshes every --interval until Ctrl-C; with --json
it prints one JSON array per refresh.`,
		Example: "  ordershop status\n  ordershop status --watch --interval 5s\n  ordershop status --json | jq '.[] | {name, dead}'",
		Args:    positional(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			if interval < minWatchInterval || interval > maxWatchInterval {
				return usagef("--interval %s: want between %s and %s", interval, minWatchInterval, maxWatchInterval)
			}
			return nil
		},
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, _ []string) error {
			show := func(ctx context.Context) error {
				st, err := o.Status(ctx)
				if err != nil {
					return fmt.Errorf("status of %s: %w", a.redisURL(), err)
				}
				if asJSON {
					if watch {
						return render.JSONLine(a.stdout, st)
					}
					return cmdkit.WriteJSON(a.stdout, st)
				}
				var buf bytes.Buffer
				renderStatus(&buf, st)
				if watch && a.stdoutTTY {
					fmt.Fprintf(a.stdout, "\033[H\033[2J%s  every %s  (Ctrl-C to stop)\n\n", a.now().UTC().Format(time.TimeOnly), interval)
				} else if watch {
					fmt.Fprintf(a.stdout, "--- %s\n", a.now().UTC().Format(time.RFC3339))
				}
				_, err = a.stdout.Write(buf.Bytes())
				return err
			}
			if !watch {
				return show(cmd.Context())
			}
			return every(cmd.Context(), interval, show)
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "refresh until Ctrl-C")
	cmd.Flags().DurationVar(&interval, "interval", defaultWatchInterval, "refresh interval with --watch (500ms to 1m)")
	return cmd
}

// every runs f now and then every interval until ctx ends (nil) or f fails.
func every(ctx context.Context, interval time.Duration, f func(context.Context) error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := f(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// renderStatus prints the functions table, the consumers table and the
// partitions of each partitioned function (render.Partitions). A
// partitioned family's streams are one row (render.FoldFamilies).
func renderStatus(w io.Writer, st []ops.FunctionStatus) {
	if len(st) == 0 {
		fmt.Fprintln(w, "No functions: none has registered in Redis and there are no dead letters.")
		return
	}
	tw := render.Table(w, "FUNCTION", "STREAM", "LAG", "PENDING", "RETRYING", "DEAD", "CONSUMERS")
	for _, f := range st {
		counts := fmt.Sprintf("%d\t%d", f.Retrying, f.Dead)
		streams := render.FoldFamilies(f)
		if !f.Registered || len(streams) == 0 {
			fmt.Fprintf(tw, "%s\t(not registered)\t-\t-\t%s\t-\n", f.Name, counts)
			continue
		}
		for i, s := range streams {
			name := f.Name
			if i > 0 {
				name, counts = "", "\t"
			}
			lag, pending, consumers := "?", strconv.FormatInt(s.Pending, 10), strconv.Itoa(len(s.Consumers))
			if s.Lag != nil {
				lag = strconv.FormatInt(*s.Lag, 10)
			}
			if !s.GroupExists {
				lag, pending, consumers = "no group", "-", "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, s.Stream, lag, pending, counts, consumers)
		}
	}
	_ = tw.Flush()
	renderConsumers(w, st)
	render.Partitions(w, st)
}

// renderConsumers prints every consumer of every function's groups.
func renderConsumers(w io.Writer, st []ops.FunctionStatus) {
	var rows []string
	for _, f := range st {
		for _, s := range render.FoldFamilies(f) {
			for _, c := range s.Consumers {
				rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%d\t%s", f.Name, s.Stream, c.Name, c.Pending, render.Short(time.Duration(c.Idle))))
			}
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw := render.Table(w, "FUNCTION", "STREAM", "CONSUMER", "PENDING", "IDLE")
	fmt.Fprintln(tw, strings.Join(rows, "\n"))
	_ = tw.Flush()
}
