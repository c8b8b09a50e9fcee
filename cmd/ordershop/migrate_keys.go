package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/internal/shop/slotmigrate"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/partition"
)

// errMigrateOnCluster refuses migrate-keys on a Redis Cluster.
var errMigrateOnCluster = errors.New("migrate-keys renames keys on the single Redis node the shop ran on; on a Redis Cluster a RENAME to another slot fails: run it before moving the data to the cluster")

func newMigrateKeysCmd(a *app) *cobra.Command {
	var (
		opts         slotmigrate.Options
		list, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "migrate-keys",
		Short: "Rename the stock records and guards of before Redis Cluster support to their slot-safe names",
		Long: `Rename the shop's keys of before they were tied into Redis Cluster hash slots
to their new names, on the single Redis node the shop ran on:

  shop:stock:entry:<id>           -> {shop:stock}:entry:<id>
  shop:stock:order:<id>           -> {shop:stock}:order:<id>
  shop:guard:deleted:<agg>:<id>   -> shop:guard:deleted:{p<p>}:<agg>:<id>
  shop:guard:paid:<order id>      -> shop:guard:paid:{p<p>}:<order id>
  shop:guard:inventory:<product>  -> shop:guard:inventory:{p<p>}:<product>

p is the partition of the entity in its event log family (FNV-1a(id) mod
the family's count; a family not created yet gets --partitions).

Run it once, with the functions and the gateways stopped, before the new
version starts, and before moving the data to a cluster (there a RENAME
to another slot fails; migrate-keys refuses a cluster). It is idempotent:
a key already renamed is not found again, and an old key whose new name
exists already is kept (the new key wins; the old one is left for
inspection and counted as kept). --dry-run says what it would rename and
writes nothing.

The read model needs no migration: "projector rebuild" projects it again
under its new names and deletes the old ones. Idempotency-Key records of
before (shop:idempotency:<sha>) are not moved: they expire within 24 h.`,
		Example: "  ordershop migrate-keys --dry-run --list\n" +
			"  ordershop migrate-keys\n" +
			"  ordershop migrate-keys --json",
		Args: positional(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			if opts.Partitions < 0 || opts.Partitions > partition.MaxCount {
				return usagef("--partitions %d: want 1 to %d", opts.Partitions, partition.MaxCount)
			}
			return nil
		},
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, _ []string) error {
			node, ok := o.Redis().(*redis.Client)
			if !ok {
				return errMigrateOnCluster
			}
			out := migrateKeysOutput{}
			if list {
				opts.Each = func(m slotmigrate.Move) {
					out.Moves = append(out.Moves, m)
					if !asJSON {
						renderMove(a.stdout, m, opts.DryRun)
					}
				}
			}
			rep, err := slotmigrate.Run(cmd.Context(), node, opts)
			out.Report = rep
			if asJSON {
				if werr := cmdkit.WriteJSON(a.stdout, out); werr != nil {
					return werr
				}
			} else if err == nil || rep.Renamed+rep.Kept > 0 { // what a failure left done
				renderMigrateKeys(a.stdout, rep)
			}
			if err != nil {
				return fmt.Errorf("migrate-keys: %w", err)
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.IntVar(&opts.Partitions, "partitions", 0, fmt.Sprintf("partitions of an event log family not created yet (default %d; an existing family keeps its count)", partition.DefaultCount))
	f.BoolVar(&opts.DryRun, "dry-run", false, "say what would be renamed, write nothing")
	f.BoolVar(&list, "list", false, "list every key renamed (or kept), old name -> new name")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// migrateKeysOutput is what migrate-keys --json prints.
type migrateKeysOutput struct {
	slotmigrate.Report
	// Moves are the keys, with --list.
	Moves []slotmigrate.Move `json:"moves,omitempty"`
}

// renderMove prints one key of --list.
func renderMove(w io.Writer, m slotmigrate.Move, dryRun bool) {
	switch {
	case m.Kept && dryRun:
		fmt.Fprintf(w, "  %s would be kept: %s exists\n", m.From, m.To)
	case m.Kept:
		fmt.Fprintf(w, "  %s kept: %s exists\n", m.From, m.To)
	default:
		fmt.Fprintf(w, "  %s -> %s\n", m.From, m.To)
	}
}

// renderMigrateKeys prints the counts of a migrate-keys run.
func renderMigrateKeys(w io.Writer, r slotmigrate.Report) {
	verb, kept := "renamed", "kept"
	if r.DryRun {
		verb, kept = "would rename", "would keep"
	}
	for _, f := range r.Families {
		fmt.Fprintf(w, "%-24s -> %-34s %s %d, %s %d\n", f.From, f.To, verb, f.Renamed, kept, f.Kept)
	}
	fmt.Fprintf(w, "%s %d keys, %s %d", verb, r.Renamed, kept, r.Kept)
	if r.Kept > 0 {
		fmt.Fprint(w, " (their new name exists: the new key wins, the old one is left)")
	}
	if r.DryRun {
		fmt.Fprint(w, "  [dry run: nothing written]")
	}
	fmt.Fprintln(w)
}
