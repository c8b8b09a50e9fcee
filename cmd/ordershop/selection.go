package main

import (
	"github.com/spf13/cobra"

	"github.com/ordershop/functions/runtime/ops"
)

// selectionFlags are the --id and --all flags of replay and purge.
type selectionFlags struct {
	ids []string
	all bool
}

// add registers the flags on cmd; verb is what they do ("replay").
func (s *selectionFlags) add(cmd *cobra.Command, verb string) {
	cmd.Flags().StringSliceVar(&s.ids, "id", nil, "dead-letter id to "+verb+" (repeat or comma-separate)")
	cmd.Flags().BoolVar(&s.all, "all", false, verb+" every dead letter of the function")
}

// selection returns the chosen entries, or a usage error.
func (s *selectionFlags) selection() (ops.Selection, error) {
	sel := ops.Selection{IDs: s.ids, All: s.all}
	if err := sel.Validate(); err != nil {
		return sel, usageError{err}
	}
	return sel, nil
}
