// Command ordershop is the operator's tool for OrderShop Functions: it
// watches the functions and inspects, replays and purges dead letters, and
// follows the event log. It talks to Redis directly: the Redis Cluster of
// $REDIS_CLUSTER_URL, else $REDIS_URL, else the same two variables of
// .env.run or .env in the current folder (as foreman reads them), else the
// runtime's default; it says which on stderr.
//
// Exit codes: 0 ok, 1 error, 2 usage (bad flags or arguments, a refused
// purge without --yes), 3 not found (an unknown function, entity or entry
// id). See `ordershop --help`.
package main

import (
	"context"
	"os"

	"golang.org/x/term"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
)

func main() {
	cmdkit.Main(func(ctx context.Context) int {
		return run(ctx, os.Args[1:], streams{
			stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
			stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())), stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		})
	})
}
