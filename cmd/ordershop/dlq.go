package main

import (
	"github.com/spf13/cobra"
)

// newDLQCmd groups the dead-letter commands.
func newDLQCmd(a *app) *cobra.Command {
	return groupCmd("dlq", "Inspect, replay and purge dead letters",
		`Every function has a dead-letter stream dlq:<function>. An event lands there
after its last attempt, or at once for a permanent error, with the original
stream, entry id and fields, the error, the attempt count and timestamps.

A typical session: 'dlq list' to see which functions have dead letters and
why, 'dlq show <function>' to read them, fix the cause (deploy the fix, bring
back the dependency), then 'dlq replay <function> --all' (or --id ...), and
'dlq purge' for entries that should never run.`,
		newDLQListCmd(a), newDLQShowCmd(a), newDLQReplayCmd(a), newDLQPurgeCmd(a))
}
