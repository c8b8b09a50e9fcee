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
	fresh := make([]int, 0, len(entries)) // indexes of the entries not in flight yet
	for i, e := range entries {
		if f.inflight.add(stream, e.ID) {
			fresh = append(fresh, i)
		}
	}
	if !f.pool.acquire(context.WithoutCancel(ctx), len(fresh)) {
		for _, i := range fresh {
			f.inflight.remove(stream, entries[i].ID)
		}
		return
	}
	var settled []*commitItem
	settle := func(msg *Message, it *commitItem) {
		it.release = msg
		settled = append(settled, it)
	}
	var run []*Message
	var runIdx []int // run[k] is entries[runIdx[k]]
	for _, i := range fresh {
		e := entries[i]
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
			run, runIdx = append(run, msg), append(runIdx, i)
		}
	}
	if done == nil && len(run) > 0 {
		var err error
		if done, err = f.doneAlready(ctx, entries); err != nil {
			f.logger.Warn("idempotency check failed: running anyway (commits are guarded)", zap.Error(err))
		}
	}
	todo := run[:0]
	for k, msg := range run {
		if done != nil && done[runIdx[k]] {
			f.streamMetric(stream).skipped.Inc()
			settle(msg, f.item(msg, commitItem{ack: true}))
			continue
		}
		todo = append(todo, msg)
	}
	if len(todo) > 0 {
		f.pool.submit(todo)
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

// doneAlready reports, in one round trip, which entries' events already
// have an idempotency record.
func (f *function) doneAlready(ctx context.Context, entries []redis.XMessage) ([]bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return f.records.done(ctx, eventIDs([]redis.XStream{{Messages: entries}}))
}
