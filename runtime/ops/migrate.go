package ops

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// DefaultMigrateBatch is the entries a migration reads (and copies in one
// pipeline) at a time.
const DefaultMigrateBatch = 500

// maxReportedWithoutKey bounds the ids of entries without the key that a
// MigrateReport lists (it counts them all).
const maxReportedWithoutKey = 20

// MigrateOptions say which single-stream log MigrateToPartitions moves
// into which family.
type MigrateOptions struct {
	// Family is the partitioned family to fill, e.g. "events:order".
	Family string
	// Source is the single stream to copy; "" means the stream named like
	// the family.
	Source string
	// Partitions is the count a family that does not exist yet is created
	// with (0: partition.DefaultCount). An existing family keeps its own.
	Partitions int
	// Key is the entry field whose value an entry's partition is the hash
	// of (partition.Of), e.g. "entity_id". Entries without it go to
	// partition 0 and are reported.
	Key string
	// DryRun computes the report and writes nothing (not even the family).
	DryRun bool
	// DeleteSource deletes the source stream (and with it its consumer
	// groups) once every entry has been found in its partition and the
	// source has not grown meanwhile. Never with DryRun.
	DeleteSource bool
	// Batch is the entries read and copied at a time (DefaultMigrateBatch
	// when 0).
	Batch int
	// Progress, when set, is told after each batch how many source
	// entries the run has gone through.
	Progress func(done int64)
}

// MigrateReport says what a migration did (or, with DryRun, would do).
type MigrateReport struct {
	Family string `json:"family"`
	Source string `json:"source"`
	// Partitions is the family's count; Created says this run created
	// the family (with DryRun: would create it).
	Partitions int  `json:"partitions"`
	Created    bool `json:"created"`
	DryRun     bool `json:"dry_run"`
	// SourceEntries is the entries read from the source.
	SourceEntries int64 `json:"source_entries"`
	// Copied is the entries this run wrote into each partition (with
	// DryRun: would write), partition 0 first.
	Copied []int64 `json:"copied"`
	// AlreadyThere is the entries found in their partition already (an
	// earlier run copied them) and left alone.
	AlreadyThere int64 `json:"already_there"`
	// WithoutKey counts the entries that lack the Key field (copied to
	// partition 0); WithoutKeyIDs lists the first of them.
	WithoutKey    int64    `json:"without_key"`
	WithoutKeyIDs []string `json:"without_key_ids,omitempty"`
	// Groups are the source's consumer groups and where they now stand on
	// the partitions.
	Groups []GroupMove `json:"groups"`
	// SourceDeleted says the source stream was deleted (DeleteSource).
	SourceDeleted bool `json:"source_deleted"`
}

// TotalCopied is the entries copied over every partition.
func (r MigrateReport) TotalCopied() int64 {
	var n int64
	for _, c := range r.Copied {
		n += c
	}
	return n
}

// MigrateToPartitions moves the single-stream log opts.Source (by default
// the stream named like opts.Family) into the partitions of the family
// opts.Family: it creates the family (partition.Open; an existing family
// keeps its count), copies each entry into partition
// partition.Of(entry[opts.Key]) under the same entry id (so every entity's
// entries keep their order and their ids), and moves every consumer group
// of the source onto every partition at a position that loses nothing
// (see GroupMove). It never deletes the source unless opts.DeleteSource.
//
// It is idempotent and resumable: an entry whose id is not above its
// partition's last id is taken as copied by an earlier run, and checked
// to be there (a partition that has entries the source lacks, because
// producers already write to the partitions, is refused: migrate before
// switching producers). A run cut short (ctx cancelled, a crash) leaves in
// each partition a prefix of what it should hold; the next run copies the
// rest. The report says what was done before an error too.
//
// A missing source stream is ErrNotFound; options that cannot be right,
// and a Redis Cluster client (migrate on the single node, before moving
// the data), are ErrInvalid.
func MigrateToPartitions(ctx context.Context, client redis.UniversalClient, opts MigrateOptions) (MigrateReport, error) {
	if opts.Source == "" {
		opts.Source = opts.Family
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultMigrateBatch
	}
	rep := MigrateReport{Family: opts.Family, Source: opts.Source, DryRun: opts.DryRun, Groups: []GroupMove{}}
	if _, cluster := client.(*redis.ClusterClient); cluster {
		return rep, fmt.Errorf("migrate %s: a log is moved into partitions on the single Redis node it was written on (its copy steps span the source's and the partitions' slots, which a Redis Cluster refuses): migrate before moving the data to a cluster: %w", opts.Family, ErrInvalid)
	}
	switch {
	case opts.Key == "":
		return rep, fmt.Errorf("migrate %s: no partition key field: %w", opts.Family, ErrInvalid)
	case opts.DryRun && opts.DeleteSource:
		return rep, fmt.Errorf("migrate %s: a dry run deletes nothing: %w", opts.Family, ErrInvalid)
	case opts.Partitions < 0 || opts.Partitions > partition.MaxCount:
		return rep, fmt.Errorf("migrate %s: %d partitions: want 1 to %d: %w", opts.Family, opts.Partitions, partition.MaxCount, ErrInvalid)
	case strings.ContainsAny(opts.Family, "{}") || opts.Family == "":
		return rep, fmt.Errorf("family name %q: want a non-empty name without braces: %w", opts.Family, ErrInvalid)
	}
	typ, err := client.Type(ctx, opts.Source).Result()
	switch {
	case err != nil:
		return rep, fmt.Errorf("TYPE %s: %w", opts.Source, err)
	case typ == "none":
		return rep, fmt.Errorf("migrate %s: no stream %s: %w", opts.Family, opts.Source, ErrNotFound)
	case typ != "stream":
		return rep, fmt.Errorf("migrate %s: %s is a %s, not a stream: %w", opts.Family, opts.Source, typ, ErrInvalid)
	}
	fam, created, err := openFamily(ctx, client, opts)
	if err != nil {
		return rep, err
	}
	rep.Partitions, rep.Created, rep.Copied = fam.Count, created, make([]int64, fam.Count)
	// The groups first: their positions decide the ENTRIESREAD counters
	// the copy counts for them.
	groups, err := sourceGroups(ctx, client, opts.Source)
	if err != nil {
		return rep, err
	}
	for _, g := range groups {
		g.entriesRead = make([]int64, fam.Count)
	}
	m := &migration{client: client, opts: opts, fam: fam, rep: &rep, groups: groups}
	if err := m.copy(ctx); err != nil {
		return rep, err
	}
	if err := m.moveGroups(ctx); err != nil {
		return rep, err
	}
	if opts.DeleteSource {
		if err := m.deleteSource(ctx); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// openFamily creates the family (or, in a dry run, looks it up) and says
// whether this run created it.
func openFamily(ctx context.Context, client redis.UniversalClient, opts MigrateOptions) (partition.Family, bool, error) {
	fam, err := partition.Lookup(ctx, client, opts.Family)
	switch {
	case err == nil:
		return fam, false, nil
	case !errors.Is(err, partition.ErrNotCreated):
		return fam, false, err
	case opts.DryRun:
		count := opts.Partitions
		if count == 0 {
			count = partition.DefaultCount
		}
		return partition.Family{Name: opts.Family, Count: count}, true, nil
	}
	fam, err = partition.Open(ctx, client, opts.Family, opts.Partitions)
	return fam, err == nil, err
}

// MigrateFamilies returns the partitioned families the registry's
// functions consume (their registrations' Families), by name: what
// MigrateAll migrates.
func MigrateFamilies(ctx context.Context, client redis.UniversalClient, registryKey string) ([]string, error) {
	infos, err := runtime.ListFunctions(ctx, client, registryKey)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, fi := range infos {
		for _, f := range fi.Families {
			if !seen[f.Name] {
				seen[f.Name] = true
				out = append(out, f.Name)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// MigrateAll runs MigrateToPartitions for every family of MigrateFamilies
// whose single stream exists, with opts' other settings (its Family and
// Source are ignored). Families without a source stream are listed in
// skipped. It stops at the first error, with the reports so far.
func MigrateAll(ctx context.Context, client redis.UniversalClient, registryKey string, opts MigrateOptions) (reports []MigrateReport, skipped []string, err error) {
	fams, err := MigrateFamilies(ctx, client, registryKey)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range fams {
		o := opts
		o.Family, o.Source = name, ""
		rep, err := MigrateToPartitions(ctx, client, o)
		if errors.Is(err, ErrNotFound) {
			skipped = append(skipped, name)
			continue
		}
		reports = append(reports, rep)
		if err != nil {
			return reports, skipped, err
		}
	}
	return reports, skipped, nil
}
