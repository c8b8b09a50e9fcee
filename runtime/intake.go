package runtime

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// intake turns entries read or reclaimed from stream into work: malformed
// entries are dead-lettered, filtered types and already-done events acked,
// and the rest submitted to the pool. done, when not nil, says per entry
// whether its event is done already (the reader looked it up); else
// intake looks the batch up itself, in one round trip. Entries already in
// flight here are passed over. It blocks while the pool is full.
func (f *function) intake(ctx context.Context, stream string, entries []redis.XMessage, done []bool) {
	fresh := entries[:0:0]
	var freshDone []bool
	for i, e := range entries {
		if f.inflight.add(stream, e.ID) {
			fresh = append(fresh, e)
			if done != nil {
				freshDone = append(freshDone, done[i])
			}
		}
	}
	if !f.pool.acquire(context.WithoutCancel(ctx), len(fresh)) {
		for _, e := range fresh {
			f.inflight.remove(stream, e.ID)
		}
		return
	}
	var settled []*commitItem
	settle := func(msg *Message, it *commitItem) {
		it.release = msg
		settled = append(settled, it)
	}
	msgs := make([]*Message, 0, len(fresh))
	var msgsDone []bool
	for i, e := range fresh {
		msg := peekMessage(f.Name, stream, e.ID, e.Values)
		switch {
		case e.Values == nil:
			// Deleted from the stream while pending: nothing to run.
			settle(msg, f.item(msg, commitItem{ack: true}))
		case msg.Type == "" || msg.EventID == "":
			settle(msg, f.malformed(msg, msg.decode()))
		case !f.accepts(msg.Type):
			f.streamMetric(stream).skipped.Inc()
			settle(msg, f.item(msg, commitItem{ack: true}))
		default:
			msgs = append(msgs, msg)
			if freshDone != nil {
				msgsDone = append(msgsDone, freshDone[i])
			}
		}
	}
	if len(msgs) > 0 {
		done := msgsDone
		if done == nil {
			var err error
			if done, err = f.doneAlready(ctx, msgs); err != nil {
				f.logger.Warn("idempotency check failed: running anyway (commits are guarded)", zap.Error(err))
			}
		}
		run := msgs[:0]
		for i, msg := range msgs {
			if done != nil && done[i] {
				f.streamMetric(stream).skipped.Inc()
				settle(msg, f.item(msg, commitItem{ack: true}))
				continue
			}
			run = append(run, msg)
		}
		if len(run) > 0 {
			f.pool.submit(run)
		}
	}
	if len(settled) > 0 {
		f.com.submit(settled)
	}
}

// malformed returns the commit that dead-letters an entry that is not a
// well-formed event.
func (f *function) malformed(msg *Message, err error) *commitItem {
	f.logFailure(msg, err)
	f.streamMetric(msg.Stream).failed.Inc()
	return f.deadLetter(msg, err)
}

// doneAlready reports, in one round trip, which messages already have an
// idempotency record.
func (f *function) doneAlready(ctx context.Context, msgs []*Message) ([]bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.EventID
	}
	return f.records.done(ctx, ids)
}
