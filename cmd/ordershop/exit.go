package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/runtime/ops"
)

// Exit codes scripts can rely on.
const (
	exitOK       = 0 // done
	exitError    = 1 // failed: Redis unreachable, an entry that could not be replayed, ...
	exitUsage    = 2 // bad flags or arguments, or a purge refused without --yes
	exitNotFound = 3 // an unknown function, entity or entry id
)

// usageError is a mistake in the command line.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// usagef returns a usageError.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitCodeError carries an exit code for a result that was printed but is
// not a success (such as ids that were not found).
type exitCodeError struct {
	code int
	msg  string
}

func (e exitCodeError) Error() string { return e.msg }

// exitCode maps a command's error to the process exit code.
func exitCode(err error) int {
	var ue usageError
	var ce exitCodeError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ce):
		return ce.code
	case errors.As(err, &ue), errors.Is(err, ops.ErrInvalid):
		return exitUsage
	case errors.Is(err, ops.ErrNotFound):
		return exitNotFound
	}
	return exitError
}

// positional wraps an argument validator so that its complaints are
// usage errors.
func positional(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// groupCmd is a command that only groups subs: run alone it prints its
// help; an argument that is not one of subs is a usage error.
func groupCmd(use, short, long string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		Args:  subcommandRequired,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(subs...)
	return cmd
}

// subcommandRequired is the Args of a command that only groups others: an
// argument that is not one of them is a usage error, with suggestions.
func subcommandRequired(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return usageError{errors.New(msg)}
}
