package main

import (
	"github.com/spf13/cobra"
)

// newRootCmd builds the ordershop command tree. Each subcommand lives in
// its own file as a newXCmd(a *app) constructor; add new ones here.
func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "ordershop",
		Short: "Watch OrderShop functions; inspect, replay and purge dead letters; migrate to partitions",
		Long: `ordershop is the operator's tool for OrderShop Functions. It talks to Redis
directly, the one it names first on stderr ("redis: URL (from ...)"):
  1. REDIS_CLUSTER_URL, a Redis Cluster, if set
     (redis://host:port?addr=host:port&addr=..., every address a seed node);
  2. else REDIS_URL, if set (rediss:// and passwords are supported in both);
  3. else REDIS_CLUSTER_URL, then REDIS_URL, from ` + envFile + ` and ` + runEnvFile + ` in the current
     folder, as foreman reads them (` + runEnvFile + `'s values win: it is what "make run"
     and "make run-cluster" write for the Redis they started);
  4. else ` + defaultRedisURL + `.

Exit codes:
  0  ok
  1  error (Redis unreachable, an entry that could not be replayed, ...)
  2  usage (bad flags or arguments; a purge refused without --yes)
  3  not found (unknown function, entity or dead-letter id)`,
		Args:          subcommandRequired,
		RunE:          func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newStatusCmd(a),
		newDLQCmd(a),
		newEventsCmd(a),
		newDashboardCmd(a),
		newPartitionsCmd(a),
		newMigrateKeysCmd(a),
	)
	return root
}
