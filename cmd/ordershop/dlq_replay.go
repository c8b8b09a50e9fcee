package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops"
)

func newDLQReplayCmd(a *app) *cobra.Command {
	var (
		sel    selectionFlags
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "replay <function> (--id ID ... | --all)",
		Short: "Run dead letters again through their function",
		Long: `Run dead letters again through that function only (no other function sees
them). Each entry becomes a task on the function's retry queue and leaves
the dead-letter stream at once; the function's running processes pick it up
within RETRY_POLL_INTERVAL. If it fails again it returns to the dead-letter
stream with its attempt count raised by one.

Replaying the same entry twice runs it once: the second replay finds it gone
(not found, exit 3), and an event that already completed is not run again.
With --all, entries that fail again while the replay is running are left
for the next replay. At least one process of the function must be running
for the replayed events to run.`,
		Example: "  ordershop dlq replay billing --all\n  ordershop dlq replay billing --id 1712345678901-0 --id 1712345678950-0",
		Args:    positional(cobra.ExactArgs(1)),
		PreRunE: sel.check,
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, args []string) error {
			progress, finish := progressBar(a.stderr, a.stderrTTY && !asJSON, "replaying")
			res, err := o.Replay(cmd.Context(), args[0], sel.chosen, progress)
			finish()
			if err != nil {
				if res.Replayed > 0 {
					fmt.Fprintf(a.stderr, "replayed %d before the error\n", res.Replayed)
				}
				return fmt.Errorf("replay %s: %w", args[0], err)
			}
			if asJSON {
				err = cmdkit.WriteJSON(a.stdout, res)
			} else {
				renderReplay(a.stdout, res)
			}
			if err != nil {
				return err
			}
			return replayOutcome(res)
		}),
	}
	sel.add(cmd, "replay")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// renderReplay prints what a replay did.
func renderReplay(w io.Writer, r ops.ReplayResult) {
	fmt.Fprintf(w, "replayed %d dead letter(s) of %s\n", r.Replayed, r.Function)
	for _, id := range r.Skipped {
		fmt.Fprintf(w, "skipped %s: already replayed by another run\n", id)
	}
	for _, id := range r.NotFound {
		fmt.Fprintf(w, "not found: %s\n", id)
	}
	for _, f := range r.Failed {
		fmt.Fprintf(w, "failed %s: %s\n", f.ID, f.Error)
	}
}

// replayOutcome turns a replay's leftovers into the exit code: failed
// entries are errors (1), unknown ids are not found (3).
func replayOutcome(r ops.ReplayResult) error {
	switch {
	case len(r.Failed) > 0:
		return exitCodeError{exitError, fmt.Sprintf("%d dead letter(s) could not be replayed", len(r.Failed))}
	case len(r.NotFound) > 0:
		return exitCodeError{exitNotFound, fmt.Sprintf("%d id(s) not found in %s", len(r.NotFound), runtime.DeadLetterStream(r.Function))}
	}
	return nil
}
