package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/cmd/ordershop/internal/render"
	"github.com/ordershop/functions/runtime/ops"
)

func newDLQListCmd(a *app) *cobra.Command {
	var (
		asJSON bool
		sample int
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Per function: how many dead letters, the oldest and newest, the most frequent errors",
		Long: `List every function's dead-letter stream: the count, when the oldest and the
newest entry failed, and the most frequent errors (among the newest --sample
entries).`,
		Example: "  ordershop dlq list\n  ordershop dlq list --json | jq '.[] | select(.count > 0)'",
		Args:    positional(cobra.NoArgs),
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, _ []string) error {
			list, err := o.ListDLQ(cmd.Context(), sample)
			if err != nil {
				return fmt.Errorf("list dead letters in %s: %w", a.redisURL(), err)
			}
			if asJSON {
				return cmdkit.WriteJSON(a.stdout, list)
			}
			renderDLQList(a.stdout, list, a.now())
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&sample, "sample", ops.DefaultErrorSample, "newest entries per function to rank errors by")
	return cmd
}

// renderDLQList prints one row per function, then each function's most
// frequent errors.
func renderDLQList(w io.Writer, list []ops.DLQSummary, now time.Time) {
	if len(list) == 0 {
		fmt.Fprintln(w, "No functions and no dead letters.")
		return
	}
	tw := render.Table(w, "FUNCTION", "DEAD", "OLDEST", "NEWEST")
	for _, s := range list {
		oldest, newest := "-", "-"
		if s.Oldest != nil {
			oldest = render.When(*s.Oldest, now)
		}
		if s.Newest != nil {
			newest = render.When(*s.Newest, now)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", s.Function, s.Count, oldest, newest)
	}
	_ = tw.Flush()
	for _, s := range list {
		if len(s.TopErrors) == 0 {
			continue
		}
		sampled := ""
		if int64(s.Sampled) < s.Count {
			sampled = fmt.Sprintf(" (in the newest %d)", s.Sampled)
		}
		fmt.Fprintf(w, "\n%s: most frequent errors%s\n", s.Function, sampled)
		for _, e := range s.TopErrors {
			fmt.Fprintf(w, "  %5d× %s\n", e.Count, strings.ReplaceAll(e.Error, "\n", " "))
		}
	}
}
