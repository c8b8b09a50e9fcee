package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/cmd/ordershop/internal/render"
	"github.com/ordershop/functions/runtime/ops"
)

// newEventsCmd groups the event-log commands.
func newEventsCmd(a *app) *cobra.Command {
	return groupCmd("events", "Follow the event log or show one entity's history",
		`The event log is one stream per aggregate, events:<aggregate> (customer,
product, inventory, order, billing, ...). An <aggregate> argument may be
given as "order" or "events:order".`,
		newEventsTailCmd(a), newEventsShowCmd(a))
}

// renderEvent prints one event as a header line and its indented data.
func renderEvent(w io.Writer, e ops.Event) {
	fmt.Fprintf(w, "%s  %s  %s", e.EntryID, e.Time.UTC().Format("2006-01-02 15:04:05.000Z"), e.Type)
	if e.EntityID != "" {
		fmt.Fprintf(w, "  entity=%s", e.EntityID)
	}
	fmt.Fprintf(w, "  event_id=%s\n", e.EventID)
	if fields := render.FieldList(e.Fields); fields != "" {
		fmt.Fprintf(w, "    %s\n", fields)
	}
	fmt.Fprintf(w, "%s\n\n", render.PrettyData(e.Data, e.RawData, "    "))
}

func newEventsTailCmd(a *app) *cobra.Command {
	var asJSON, fromStart bool
	cmd := &cobra.Command{
		Use:   "tail <aggregate>",
		Short: "Follow events:<aggregate>, pretty-printed, until Ctrl-C",
		Long: `Follow an aggregate's event stream: print every event appended from now on
(or, with --from-start, every event in the stream first), until Ctrl-C.
With --json each event is one line of JSON.`,
		Example: "  ordershop events tail order\n  ordershop events tail events:customer --from-start --json",
		Args:    positional(cobra.ExactArgs(1)),
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, args []string) error {
			err := o.Tail(cmd.Context(), args[0], fromStart, func(e ops.Event) error {
				if asJSON {
					return render.JSONLine(a.stdout, e)
				}
				renderEvent(a.stdout, e)
				return nil
			})
			if err != nil {
				return fmt.Errorf("tail %s: %w", args[0], err)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per line")
	cmd.Flags().BoolVar(&fromStart, "from-start", false, "print the stream's existing events first")
	return cmd
}

func newEventsShowCmd(a *app) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show <aggregate> <entity-id>",
		Short: "Print one entity's history: the events whose entity_id is the id",
		Long: `Print every event of one entity (entries of events:<aggregate> whose field
entity_id equals <entity-id>), oldest first. It reads the whole stream.
Exits 3 when the stream or the entity's events are not there.`,
		Example: "  ordershop events show order 5f1c...\n  ordershop events show customer 42 --json",
		Args:    positional(cobra.ExactArgs(2)),
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, args []string) error {
			evs, err := o.History(cmd.Context(), args[0], args[1])
			if err != nil {
				return fmt.Errorf("history of %s %s: %w", args[0], args[1], err)
			}
			if asJSON {
				return cmdkit.WriteJSON(a.stdout, evs)
			}
			fmt.Fprintf(a.stdout, "%s %s: %d event(s), oldest first\n\n", evs[0].Stream, args[1], len(evs))
			for _, e := range evs {
				renderEvent(a.stdout, e)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
