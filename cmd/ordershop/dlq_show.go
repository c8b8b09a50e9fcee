package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/cmd/ordershop/internal/render"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
)

func newDLQShowCmd(a *app) *cobra.Command {
	var (
		asJSON bool
		limit  int
		ids    []string
	)
	cmd := &cobra.Command{
		Use:   "show <function>",
		Short: "Show a function's dead letters with their error, attempts and data",
		Long: `Show a function's dead letters, oldest first: the dead-letter id (what replay
and purge take), the original stream and entry id, the event type and id,
the error, the attempts, when it first and last failed, and the event's
data pretty-printed.`,
		Example: "  ordershop dlq show billing\n  ordershop dlq show billing --limit 100 --json\n  ordershop dlq show billing --id 1712345678901-0",
		Args:    positional(cobra.ExactArgs(1)),
		PreRunE: func(*cobra.Command, []string) error {
			if limit < 1 {
				return usagef("--limit %d: want at least 1", limit)
			}
			return nil
		},
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, args []string) error {
			page, err := o.ShowDLQ(cmd.Context(), args[0], ops.ShowOptions{Limit: limit, IDs: ids})
			if err != nil {
				return fmt.Errorf("dead letters of %s: %w", args[0], err)
			}
			if asJSON {
				return cmdkit.WriteJSON(a.stdout, page)
			}
			renderDLQPage(a.stdout, page, len(ids) == 0, a.now())
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVarP(&limit, "limit", "n", ops.DefaultShowLimit, "show at most N dead letters")
	cmd.Flags().StringSliceVar(&ids, "id", nil, "show only these dead-letter ids (repeat or comma-separate)")
	return cmd
}

// renderDLQPage prints each dead letter as a block; paged says the page
// is the stream's head (not a selection by id), so more may follow.
func renderDLQPage(w io.Writer, p ops.DLQPage, paged bool, now time.Time) {
	fmt.Fprintf(w, "%s: %d dead letter(s), showing %d, oldest first\n", runtime.DeadLetterStream(p.Function), p.Total, len(p.DeadLetters))
	for _, dl := range p.DeadLetters {
		fmt.Fprintf(w, "\n%s  %s\n", dl.ID, dl.Type)
		if dl.Malformed != "" {
			fmt.Fprintf(w, "  MALFORMED:     %s (purge it; it cannot be replayed)\n", dl.Malformed)
		}
		fmt.Fprintf(w, "  error:         %s\n", dl.Error)
		kind := ""
		if dl.Permanent {
			kind = " (permanent: not retried)"
		}
		fmt.Fprintf(w, "  attempts:      %d%s\n", dl.Attempts, kind)
		fmt.Fprintf(w, "  event:         %s", dl.EventID)
		if dl.EntityID != "" {
			fmt.Fprintf(w, " (entity %s)", dl.EntityID)
		}
		fmt.Fprintf(w, "\n  from:          %s %s\n", dl.Stream, dl.EntryID)
		fmt.Fprintf(w, "  first failure: %s\n", render.When(dl.FirstFailure, now))
		fmt.Fprintf(w, "  last failure:  %s\n", render.When(dl.LastFailure, now))
		if fields := render.FieldList(dl.Fields); fields != "" {
			fmt.Fprintf(w, "  fields:        %s\n", fields)
		}
		fmt.Fprintf(w, "  data:\n%s\n", render.PrettyData(dl.Data, dl.RawData, "    "))
	}
	if paged && int64(len(p.DeadLetters)) < p.Total {
		fmt.Fprintf(w, "\n(%d more: use --limit)\n", p.Total-int64(len(p.DeadLetters)))
	}
}
