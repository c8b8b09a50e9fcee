// Command ordershop-bench measures the OrderShop Functions runtime: a
// drain of pre-loaded events or a paced latency run against
// $REDIS_CLUSTER_URL, else $REDIS_URL (`ordershop-bench`), or the whole
// comparison table on a throwaway redis-server (`ordershop-bench suite`,
// what `make bench` runs). It is a binary of its own so that the operator
// CLI (cmd/ordershop) links none of the benchmarks' test machinery.
//
// Exit codes: 0 ok, 1 error, 2 usage (bad flags or arguments, a run out of
// bounds). See `ordershop-bench --help` and docs/performance.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
)

// Exit codes scripts can rely on.
const (
	exitOK    = 0 // done
	exitError = 1 // failed: Redis unreachable, a measurement that did not finish, ...
	exitUsage = 2 // bad flags or arguments, or a run out of bounds
)

// errUsage marks a mistake in the command line; errors that wrap it exit
// with exitUsage.
var errUsage = errors.New("usage")

// usagef returns an error that wraps errUsage.
func usagef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// noArgs refuses positional arguments (such as a misspelt "suite") as a
// usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return nil
}

func main() {
	cmdkit.Main(func(ctx context.Context) int { return run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv) })
}

// run executes the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	root := newRootCmd(stdout, stderr, getenv)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "ordershop-bench: %v\n", err)
	if !errors.Is(err, errUsage) {
		return exitError
	}
	if cmd != nil {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return exitUsage
}
