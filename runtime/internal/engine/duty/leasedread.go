package duty

import (
	"context"
	"time"
)

// maxLeasedWait bounds a leased reader's wait for new entries: the wait
// (XREAD) does not see partitions acquired meanwhile, which are read at
// its end.
const maxLeasedWait = 250 * time.Millisecond

// closed reports whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// readLeased is read for a leased function: each read checks the leases
// of the partitions it reads in the same step (rdb.ReadLeased), so this
// instance takes no entry of a partition it no longer owns; when there is
// nothing new it waits on XREAD, which takes nothing. A partition found
// not owned is taken out of the reads (Refused). What was read is tracked
// before the read ends, so ReadSet.Remove returns only once it is.
func (r *Reader) readLeased(ctx, hard context.Context, batches chan<- checkedBatch) {
	p := r.p
	health := readHealth{p: &r.p}
	for ctx.Err() == nil {
		parts, changed := p.ReadSet.Begin()
		if len(parts) == 0 {
			p.ReadSet.idle(changed, p.ReadBlock, ctx.Done())
			p.ReadSet.End()
			continue
		}
		res, err := p.Group.ReadLeased(ctx, parts, p.BatchSize)
		if err == nil {
			for i := range res.Entries {
				res.Entries[i].Messages = p.Inflight.AddNew(res.Entries[i].Stream, res.Entries[i].Messages)
			}
		}
		p.ReadSet.End()
		if !health.after(ctx, err) {
			continue
		}
		for _, part := range res.Refused {
			p.Refused(part)
		}
		if entries(res.Entries) > 0 {
			tokens := make(map[string]string, len(parts))
			for _, part := range parts {
				for _, s := range part.Streams {
					tokens[s] = part.Token
				}
			}
			r.send(hard, batches, checkedBatch{res: res.Entries, tokens: tokens})
			continue
		}
		if len(res.Newest) > 0 && !closed(changed) {
			health.after(ctx, p.Group.WaitNew(ctx, res.Newest, min(p.ReadBlock, maxLeasedWait)))
		}
	}
}
