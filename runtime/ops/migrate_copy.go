package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// migration is one run of MigrateToPartitions.
type migration struct {
	client redis.UniversalClient
	opts   MigrateOptions
	fam    partition.Family
	rep    *MigrateReport
	groups []*sourceGroup
	// top is each partition's last id (XINFO STREAM last-generated-id;
	// 0-0 for a missing stream) when the run started: an entry at or
	// below it was copied by an earlier run.
	top []runtime.StreamID
	// length is each partition's length then.
	length []int64
}

// rawEntry is a stream entry with its fields in their order (go-redis's
// XMessage keeps them in a map, which loses it).
type rawEntry struct {
	id     string
	fields []any // field, value, field, value...
}

// copy moves the source's entries into their partitions in two passes
// over the source, in id order: the first writes nothing and checks that
// what each partition holds is exactly the source's entries up to the
// partition's last id (what an earlier run copied); the second copies
// the entries above it.
func (m *migration) copy(ctx context.Context) error {
	if err := m.readTops(ctx); err != nil {
		return err
	}
	there := make([]int64, m.fam.Count)
	err := m.scan(ctx, func(batch []rawEntry) error { return m.verifyBatch(ctx, batch, there) })
	if err != nil {
		return err
	}
	for p, n := range there {
		if n != m.length[p] {
			return fmt.Errorf("partition %s holds %d entries, %d of them from %s: it holds entries the source lacks "+
				"(do producers write to the partitions already? migrate before switching them): %w",
				m.fam.Stream(p), m.length[p], n, m.opts.Source, ErrInvalid)
		}
	}
	return m.scan(ctx, func(batch []rawEntry) error {
		if err := m.copyBatch(ctx, batch); err != nil {
			return err
		}
		if m.opts.Progress != nil {
			m.opts.Progress(m.rep.SourceEntries)
		}
		return nil
	})
}

// scan calls each with the source's entries, a batch at a time.
func (m *migration) scan(ctx context.Context, each func([]rawEntry) error) error {
	start := "-"
	for {
		batch, err := m.readBatch(ctx, start)
		if err != nil || len(batch) == 0 {
			return err
		}
		if err := each(batch); err != nil {
			return err
		}
		if len(batch) < m.opts.Batch {
			return nil
		}
		start = "(" + batch[len(batch)-1].id
	}
}

// readTops reads each partition's last generated id.
func (m *migration) readTops(ctx context.Context) error {
	pipe := m.client.Pipeline()
	cmds := make([]*redis.XInfoStreamCmd, m.fam.Count)
	for p := range cmds {
		cmds[p] = pipe.XInfoStream(ctx, m.fam.Stream(p))
	}
	_, _ = pipe.Exec(ctx) // each command's error is looked at below
	m.top, m.length = make([]runtime.StreamID, m.fam.Count), make([]int64, m.fam.Count)
	for p, c := range cmds {
		info, err := c.Result()
		if err != nil {
			if strings.Contains(err.Error(), "no such key") {
				continue
			}
			return fmt.Errorf("XINFO STREAM %s: %w", m.fam.Stream(p), err)
		}
		m.length[p] = info.Length
		if m.top[p], err = runtime.ParseStreamID(info.LastGeneratedID); err != nil {
			return fmt.Errorf("last id of %s: %w", m.fam.Stream(p), err)
		}
	}
	return nil
}

// readBatch reads up to Batch entries of the source from start on.
func (m *migration) readBatch(ctx context.Context, start string) ([]rawEntry, error) {
	v, err := m.client.Do(ctx, "XRANGE", m.opts.Source, start, "+", "COUNT", m.opts.Batch).Slice()
	if err != nil {
		return nil, fmt.Errorf("XRANGE %s %s: %w", m.opts.Source, start, err)
	}
	out := make([]rawEntry, 0, len(v))
	for _, e := range v {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("XRANGE %s: unexpected entry %v", m.opts.Source, e)
		}
		id, _ := pair[0].(string)
		fields, _ := pair[1].([]any)
		out = append(out, rawEntry{id: id, fields: fields})
	}
	return out, nil
}

// partitionOf returns the partition of e: the hash of its key field, or 0
// when it has none.
func (m *migration) partitionOf(e rawEntry) (p int, hasKey bool) {
	for i := 0; i+1 < len(e.fields); i += 2 {
		if f, _ := e.fields[i].(string); f == m.opts.Key {
			v, _ := e.fields[i+1].(string)
			return m.fam.Of(v), true
		}
	}
	return 0, false
}

// verifyBatch checks that the entries of batch at or below their
// partition's last id are there, and counts them in there.
func (m *migration) verifyBatch(ctx context.Context, batch []rawEntry, there []int64) error {
	pipe := m.client.Pipeline()
	type check struct {
		p   int
		e   rawEntry
		cmd *redis.XMessageSliceCmd
	}
	var checks []check
	for _, e := range batch {
		id, err := runtime.ParseStreamID(e.id)
		if err != nil {
			return fmt.Errorf("entry id %q of %s: %w", e.id, m.opts.Source, err)
		}
		if p, _ := m.partitionOf(e); id.Compare(m.top[p]) <= 0 {
			checks = append(checks, check{p, e, pipe.XRangeN(ctx, m.fam.Stream(p), e.id, e.id, 1)})
		}
	}
	if len(checks) == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("check %s against %s: %w", m.opts.Source, m.fam.Name, err)
	}
	for _, c := range checks {
		if xs := c.cmd.Val(); len(xs) != 1 || !sameFields(xs[0].Values, c.e.fields) {
			return fmt.Errorf("partition %s has entries up to %s but not the source's %s: it holds entries the source lacks "+
				"(do producers write to the partitions already? migrate before switching them): %w",
				m.fam.Stream(c.p), m.top[c.p], c.e.id, ErrInvalid)
		}
		there[c.p]++
	}
	return nil
}

// copyBatch copies the entries of batch above their partition's last id
// in one pipeline of XADDs with their ids (Redis runs them in order, so a
// pipeline cut short leaves a prefix of each partition's share), and
// counts every entry for the report and the groups.
func (m *migration) copyBatch(ctx context.Context, batch []rawEntry) error {
	pipe := m.client.Pipeline()
	var adds []*redis.Cmd
	for _, e := range batch {
		id, err := runtime.ParseStreamID(e.id)
		if err != nil {
			return fmt.Errorf("entry id %q of %s: %w", e.id, m.opts.Source, err)
		}
		p, hasKey := m.partitionOf(e)
		if !hasKey {
			m.rep.WithoutKey++
			if len(m.rep.WithoutKeyIDs) < maxReportedWithoutKey {
				m.rep.WithoutKeyIDs = append(m.rep.WithoutKeyIDs, e.id)
			}
		}
		m.rep.SourceEntries++
		for _, g := range m.groups {
			if id.Compare(g.position) <= 0 {
				g.entriesRead[p]++
			}
		}
		if id.Compare(m.top[p]) <= 0 {
			m.rep.AlreadyThere++
			continue
		}
		m.rep.Copied[p]++
		if !m.opts.DryRun {
			adds = append(adds, pipe.Do(ctx, append([]any{"XADD", m.fam.Stream(p), e.id}, e.fields...)...))
		}
	}
	if len(adds) == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		// Not counted: the entries of this batch that were written are
		// found by the next run.
		m.uncount(adds)
		return fmt.Errorf("copy %s into %s: %w", m.opts.Source, m.fam.Name, err)
	}
	return nil
}

// uncount takes the XADDs of a failed pipeline that did not succeed off
// the report's counts.
func (m *migration) uncount(adds []*redis.Cmd) {
	for _, a := range adds {
		if a.Err() == nil {
			continue
		}
		args := a.Args()
		stream, _ := args[1].(string)
		if _, p, ok := partition.Parse(stream); ok && p < len(m.rep.Copied) {
			m.rep.Copied[p]--
		}
	}
}

// sameFields reports whether an entry read as a map has exactly the
// fields and values of fields (field, value, ...).
func sameFields(values map[string]any, fields []any) bool {
	if len(values)*2 != len(fields) {
		return false
	}
	for i := 0; i+1 < len(fields); i += 2 {
		f, _ := fields[i].(string)
		if v, ok := values[f]; !ok || v != fields[i+1] {
			return false
		}
	}
	return true
}
