package rdb

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Ref is one event to look up: the stream it was read from (whose slot
// holds its record) and its event id.
type Ref struct{ Stream, EventID string }

// lookupRun is one run of lookup.lua: the records of some prefixes, and
// where each of its answers goes in the caller's list.
type lookupRun struct {
	keys []string
	args []any
	at   []int
}

// lookupRuns splits refs into script runs: one on a single node, one per
// slot (records prefix) on a Cluster.
func (d *Records) lookupRuns(refs []Ref) []lookupRun {
	var tab prefixes
	groups := map[int][]int{} // prefix index -> positions in refs
	for i, r := range refs {
		if r.EventID == "" {
			continue
		}
		p := tab.of(d, r.Stream)
		groups[p] = append(groups[p], i)
	}
	build := func(pfx []int) lookupRun {
		names := make([]string, len(pfx))
		for i, p := range pfx {
			names[i] = tab.list[p-1]
		}
		run := lookupRun{keys: []string{names[0]}, args: d.scriptArgs(names)}
		for _, p := range pfx {
			packed := make([]byte, 0, len(groups[p])*RecordFieldLen)
			for _, at := range groups[p] {
				packed = appendRecordField(packed, refs[at].EventID)
				run.at = append(run.at, at)
			}
			run.args = append(run.args, len(groups[p]), packed)
		}
		return run
	}
	if len(tab.list) == 0 {
		return nil
	}
	if d.cluster {
		runs := make([]lookupRun, 0, len(tab.list))
		for p := 1; p <= len(tab.list); p++ {
			runs = append(runs, build([]int{p}))
		}
		return runs
	}
	all := make([]int, len(tab.list))
	for i := range all {
		all[i] = i + 1
	}
	return []lookupRun{build(all)}
}

// Done reports which of refs have a record: in one round trip on a
// single node, one per slot on a Cluster.
func (d *Records) Done(ctx context.Context, refs []Ref) ([]bool, error) {
	out := make([]bool, len(refs))
	for _, r := range d.lookupRuns(refs) {
		res, err := lookupScript.Run(ctx, d.client, r.keys, r.args...).Int64Slice()
		if err := r.fill(out, res, err); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// QueueDone adds the lookup of refs to pipe; after pipe.Exec, the returned
// func reports which have a record. In a pipeline the script goes by its
// hash alone: when Redis does not know it yet (NOSCRIPT), the lookup fails
// and the caller looks up with Done, which loads it.
func (d *Records) QueueDone(ctx context.Context, pipe redis.Pipeliner, refs []Ref) func() ([]bool, error) {
	return d.queue(ctx, pipe, refs)
}

func (d *Records) queue(ctx context.Context, pipe redis.Pipeliner, refs []Ref) func() ([]bool, error) {
	runs := d.lookupRuns(refs)
	cmds := make([]*redis.Cmd, len(runs))
	for i, r := range runs {
		cmds[i] = pipe.EvalSha(ctx, lookupScript.Hash(), r.keys, r.args...)
	}
	return func() ([]bool, error) {
		out := make([]bool, len(refs))
		for i, r := range runs {
			res, err := cmds[i].Int64Slice()
			if err := r.fill(out, res, err); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

// fill puts the answers of run r (res, err) into out.
func (r lookupRun) fill(out []bool, res []int64, err error) error {
	if err != nil {
		return fmt.Errorf("idempotency lookup: %w", err)
	}
	for _, k := range res {
		if k < 1 || int(k) > len(r.at) {
			return fmt.Errorf("idempotency lookup: answer %d out of %d events", k, len(r.at))
		}
		out[r.at[k-1]] = true
	}
	return nil
}
