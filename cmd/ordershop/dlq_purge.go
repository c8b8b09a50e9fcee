package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
)

func newDLQPurgeCmd(a *app) *cobra.Command {
	var (
		sel    selectionFlags
		yes    bool
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "purge <function> (--id ID ... | --all) --yes",
		Short: "Delete dead letters for good (needs --yes)",
		Long: `Delete dead letters from a function's dead-letter stream for good: they will
never run. Without --yes nothing is deleted: the command says what it would
delete and exits 2. With --all, entries written after the purge started
are kept.`,
		Example: "  ordershop dlq purge billing --id 1712345678901-0 --yes\n  ordershop dlq purge billing --all --yes",
		Args:    positional(cobra.ExactArgs(1)),
		PreRunE: sel.check,
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, args []string) error {
			selection := sel.chosen
			fn := args[0]
			if !yes {
				what := fmt.Sprintf("%d dead letter(s)", len(selection.IDs))
				if selection.All {
					page, err := o.ShowDLQ(cmd.Context(), fn, ops.ShowOptions{Limit: 1})
					if err != nil {
						return fmt.Errorf("purge %s: %w", fn, err)
					}
					what = fmt.Sprintf("all %d dead letter(s)", page.Total)
				}
				return exitCodeError{exitUsage, fmt.Sprintf("refusing to delete %s of %s without --yes", what, fn)}
			}
			res, err := o.Purge(cmd.Context(), fn, selection)
			if err != nil {
				return fmt.Errorf("purge %s: %w", fn, err)
			}
			if asJSON {
				err = cmdkit.WriteJSON(a.stdout, res)
			} else {
				fmt.Fprintf(a.stdout, "purged %d dead letter(s) of %s\n", res.Purged, res.Function)
				for _, id := range res.NotFound {
					fmt.Fprintf(a.stdout, "not found: %s\n", id)
				}
			}
			if err != nil {
				return err
			}
			if len(res.NotFound) > 0 {
				return exitCodeError{exitNotFound, fmt.Sprintf("%d id(s) not found in %s", len(res.NotFound), runtime.DeadLetterStream(fn))}
			}
			return nil
		}),
	}
	sel.add(cmd, "purge")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "really delete")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
