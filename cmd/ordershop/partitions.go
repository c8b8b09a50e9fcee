package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ordershop/functions/cmd/internal/cmdkit"
	"github.com/ordershop/functions/internal/shop/shopfn"
	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/partition"
)

// newPartitionsCmd groups the commands on partitioned stream families.
func newPartitionsCmd(a *app) *cobra.Command {
	return groupCmd("partitions", "Move a single-stream event log into partitions",
		`A partitioned family events:<aggregate> is P streams events:<aggregate>:{p0}
.. {p<P-1>}; an event goes to partition FNV-1a(entity id) mod P. P is stored
at events:<aggregate>:partitions when the family is created and never
changes in place. "ordershop status" shows each partition's owner, epoch
and lag.`,
		newPartitionsMigrateCmd(a))
}

func newPartitionsMigrateCmd(a *app) *cobra.Command {
	var (
		family             string
		all, asJSON        bool
		opts               ops.MigrateOptions
		deleteSrc, dryRun  bool
		partitions, batchN int
	)
	cmd := &cobra.Command{
		Use:   "migrate (--family <aggregate> | --all)",
		Short: "Copy a single-stream log into its family's partitions, keeping ids and per-entity order",
		Long: `Copy the entries of the single stream named like the family (events:order for
--family order) into the family's partitions, each under its own entry id,
into the partition of its --key field (entity_id): every entity's events
keep their order and their ids. The family is created with --partitions
partitions unless it exists (then it keeps its count). Entries without the
key go to partition 0 and are listed.

Every consumer group of the source is put on every partition: at the id
just below its oldest pending entry if it has any (those entries, and the
acked ones after them, are delivered again; the functions' idempotency
records skip what was done), else at its last-delivered id. A group that
already stands further on a partition is left alone.

It is idempotent and resumable: run it again after a crash or Ctrl-C and it
copies only what is missing. It refuses (exit 2) a partition that holds
entries the source lacks: run it before producers write to the partitions.
The source is never deleted unless --delete-source, and then only once
every entry was found in its partition and the source did not grow.

--all migrates every family that the registered functions consume, as
their registrations name them: start the partitioned functions first, with
the producers (the gateway) stopped, or name the families one by one.`,
		Example: "  ordershop partitions migrate --family order --dry-run\n" +
			"  ordershop partitions migrate --family events:order --partitions 16 --key entity_id\n" +
			"  ordershop partitions migrate --all --json",
		Args: positional(cobra.NoArgs),
		PreRunE: func(*cobra.Command, []string) error {
			switch {
			case (family == "") == !all:
				return usagef("name a family with --family, or --all")
			case dryRun && deleteSrc:
				return usagef("--dry-run deletes nothing: drop --delete-source")
			case partitions < 0 || partitions > partition.MaxCount:
				return usagef("--partitions %d: want 1 to %d", partitions, partition.MaxCount)
			case batchN < 1 || batchN > 10_000:
				return usagef("--batch %d: want 1 to 10000", batchN)
			case opts.Key == "":
				return usagef("--key: name the entry field to partition by")
			}
			return nil
		},
		RunE: a.opsRun(func(cmd *cobra.Command, o *ops.Ops, _ []string) error {
			opts.Partitions, opts.DryRun, opts.DeleteSource, opts.Batch = partitions, dryRun, deleteSrc, batchN
			var reports []ops.MigrateReport
			var skipped []string
			var err error
			if all {
				reports, skipped, err = ops.MigrateAll(cmd.Context(), o.Redis(), shopfn.Conventions.RegistryKey, opts)
			} else {
				opts.Family, err = o.EventStream(family)
				if err != nil {
					return err
				}
				var rep ops.MigrateReport
				rep, err = ops.MigrateToPartitions(cmd.Context(), o.Redis(), opts)
				reports = []ops.MigrateReport{rep}
			}
			if asJSON {
				if werr := cmdkit.WriteJSON(a.stdout, migrateOutput{Reports: reports, Skipped: skipped}); werr != nil {
					return werr
				}
			} else {
				for _, r := range reports {
					renderMigrate(a.stdout, r)
				}
				for _, s := range skipped {
					fmt.Fprintf(a.stdout, "%s: no stream %s to migrate, skipped\n", s, s)
				}
			}
			if err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&family, "family", "", "the family to fill, e.g. order or events:order (its single stream is the source)")
	f.BoolVar(&all, "all", false, "every family the registered functions consume")
	f.IntVar(&partitions, "partitions", 0, fmt.Sprintf("partitions of a family created now (default %d; an existing family keeps its count)", partition.DefaultCount))
	f.StringVar(&opts.Key, "key", shopfn.Conventions.EntityField, "the entry field whose hash picks the partition")
	f.BoolVar(&dryRun, "dry-run", false, "say what would be done, write nothing")
	f.BoolVar(&deleteSrc, "delete-source", false, "delete the source stream once every entry is verified in its partition")
	f.IntVar(&batchN, "batch", ops.DefaultMigrateBatch, "entries read and copied at a time")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// migrateOutput is what partitions migrate --json prints.
type migrateOutput struct {
	Reports []ops.MigrateReport `json:"reports"`
	// Skipped are --all's families without a single stream to migrate.
	Skipped []string `json:"skipped,omitempty"`
}

// renderMigrate prints what a migration did.
func renderMigrate(w io.Writer, r ops.MigrateReport) {
	verb, would := "copied", ""
	if r.DryRun {
		verb, would = "would copy", "would be "
	}
	created, dry := "existing", ""
	if r.Created {
		created = "new"
	}
	if r.DryRun {
		dry = "  [dry run: nothing written]"
	}
	fmt.Fprintf(w, "%s -> %s (%s family, %d partitions)%s\n", r.Source, r.Family, created, r.Partitions, dry)
	fmt.Fprintf(w, "  %d entries read, %s %d, %d already in their partition\n", r.SourceEntries, verb, r.TotalCopied(), r.AlreadyThere)
	if r.TotalCopied() > 0 {
		parts := make([]string, 0, len(r.Copied))
		for p, n := range r.Copied {
			parts = append(parts, fmt.Sprintf("p%d %d", p, n))
		}
		fmt.Fprintf(w, "  per partition: %s\n", strings.Join(parts, ", "))
	}
	if r.WithoutKey > 0 {
		fmt.Fprintf(w, "  %d entries without the key field %sput in partition 0: %s\n", r.WithoutKey, would, strings.Join(r.WithoutKeyIDs, " "))
	}
	for _, g := range r.Groups {
		from := "its last-delivered id"
		if g.Pending > 0 {
			from = fmt.Sprintf("below its oldest pending entry %s (%d pending, to be redelivered)", g.LowestPendingID, g.Pending)
		}
		fmt.Fprintf(w, "  group %s %sput at %s, %s: created on %d partitions, moved on %d, kept on %d\n",
			g.Name, would, g.Position, from, g.Created, g.Moved, g.Kept)
	}
	switch {
	case r.SourceDeleted:
		fmt.Fprintf(w, "  source %s deleted\n", r.Source)
	case !r.DryRun:
		fmt.Fprintf(w, "  source %s kept (--delete-source deletes it)\n", r.Source)
	}
}
