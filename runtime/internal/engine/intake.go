package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// intake turns entries read or recovered from stream, already tracked
// (inflight), into work: malformed entries are dead-lettered, filtered
// types and already-done events acked, and the rest submitted to the pool.
// done, when not nil, says per entry whether its event is done already
// (the reader looked it up); else intake looks the batch up itself, in one
// round trip. counts is nil for entries read fresh (delivered once, now);
// for recovered entries it gives each one's delivery count, the attempts
// begun on it: one that has had MaxAttempts is dead-lettered without
// running (it crashed, stalled or outlived every process that ran it).
//
// It blocks while the pool is full, until ctx (the handlers' context)
// ends; entries it cannot take then stay pending.
func (f *Worker) intake(ctx context.Context, stream, token string, entries []redis.XMessage, done []bool, counts map[string]int) {
	var lease string
	if f.leased() {
		var held bool
		if lease, held = f.tenure.LeaseOf(stream, token); !held {
			f.unowned(stream, entries)
			return
		}
	}
	if !f.pool.acquire(ctx, len(entries)) {
		for _, e := range entries {
			f.inflight.Remove(stream, e.ID)
			if counts == nil {
				f.giveBack(stream, e.ID)
			}
		}
		return
	}
	var settled []*commitItem
	settle := func(msg *Entry, it *commitItem) {
		it.Release = msg
		settled = append(settled, it)
	}
	var run []*Entry
	var runIdx []int // run[k] is entries[runIdx[k]]
	for i, e := range entries {
		msg := Peek(f.host, f.Name, stream, e.ID, e.Values)
		msg.Lease, msg.Token = lease, token
		msg.run.counted = 1
		if counts != nil {
			c := counts[e.ID]
			msg.run.counted, msg.run.recovered = c, c > 0
			msg.Attempt = c + 1
		}
		switch {
		case e.Values == nil:
			// Deleted from the stream while pending: nothing to run.
			settle(msg, f.item(msg, commitItem{Ack: true}))
		case msg.Type == "" || msg.EventID == "":
			settle(msg, f.malformed(msg, f.host.Decode(msg)))
		case !f.Accepts(msg.Type):
			f.metrics(stream).Skipped.Inc()
			settle(msg, f.item(msg, commitItem{Ack: true}))
		default:
			run, runIdx = append(run, msg), append(runIdx, i)
		}
	}
	if done == nil && len(run) > 0 {
		var err error
		if done, err = f.doneAlready(ctx, stream, entries); err != nil {
			f.logger.Warn("idempotency check failed: running anyway (commits are guarded)", zap.Error(err))
		}
	}
	todo := run[:0]
	for k, msg := range run {
		if done != nil && done[runIdx[k]] {
			f.metrics(stream).Skipped.Inc()
			settle(msg, f.item(msg, commitItem{Ack: true}))
			continue
		}
		if msg.Attempt > f.MaxAttempts {
			settle(msg, f.exhausted(msg))
			continue
		}
		todo = append(todo, msg)
	}
	if len(todo) > 0 {
		f.pool.submit(todo)
	}
	if len(settled) > 0 {
		f.com.Submit(settled)
	}
}

// exhausted returns the commit that dead-letters a recovered entry whose
// every attempt began and none settled.
func (f *Worker) exhausted(msg *Entry) *commitItem {
	_ = f.host.Decode(msg)
	msg.Attempt--
	err := fmt.Errorf("delivered %d times and never settled: the process running it crashed, stopped or hung each time", msg.Attempt)
	f.host.LogFailure(msg, err)
	f.metrics(msg.Stream).Failed.Inc()
	return f.deadLetter(msg, err)
}

// malformed returns the commit that dead-letters an entry that is not a
// well-formed event.
func (f *Worker) malformed(msg *Entry, err error) *commitItem {
	f.host.LogFailure(msg, err)
	f.metrics(msg.Stream).Failed.Inc()
	return f.deadLetter(msg, err)
}

// doneAlready reports, in one round trip, which entries of stream have
// their event recorded done already.
func (f *Worker) doneAlready(ctx context.Context, stream string, entries []redis.XMessage) ([]bool, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return f.records.Done(ctx, eventRefs([]redis.XStream{{Stream: stream, Messages: entries}}))
}

// eventRefs lists the events of a read's entries, stream by stream.
func eventRefs(res []redis.XStream) []rdb.Ref {
	var refs []rdb.Ref
	for _, xs := range res {
		for _, m := range xs.Messages {
			id, _ := m.Values[FieldEventID].(string)
			refs = append(refs, rdb.Ref{Stream: xs.Stream, EventID: id})
		}
	}
	return refs
}
