package main

import (
	"github.com/spf13/cobra"

	"github.com/ordershop/functions/runtime/ops"
)

// selectionFlags are the --id and --all flags of replay and purge.
type selectionFlags struct {
	ids []string
	all bool
	// chosen is the selection, once check has accepted it.
	chosen ops.Selection
}

// add registers the flags on cmd; verb is what they do ("replay").
func (s *selectionFlags) add(cmd *cobra.Command, verb string) {
	cmd.Flags().StringSliceVar(&s.ids, "id", nil, "dead-letter id to "+verb+" (repeat or comma-separate)")
	cmd.Flags().BoolVar(&s.all, "all", false, verb+" every dead letter of the function")
}

// check is a PreRunE: it sets chosen from the flags, or says what is
// wrong with them as a usage error.
func (s *selectionFlags) check(*cobra.Command, []string) error {
	s.chosen = ops.Selection{IDs: s.ids, All: s.all}
	if err := s.chosen.Validate(); err != nil {
		return usageError{err}
	}
	return nil
}
