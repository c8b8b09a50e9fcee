package runtime

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// intake turns entries read or reclaimed from stream into work: malformed
// entries are dead-lettered, filtered types and already-done events acked,
// and the rest submitted to the pool. Entries already in flight here are
// passed over. It blocks while the pool is full; entries it cannot take
// because ctx ended stay pending.
func (f *function) intake(ctx context.Context, stream string, entries []redis.XMessage) {
	msgs := make([]*Message, 0, len(entries))
	for _, e := range entries {
		if !f.inflight.add(stream, e.ID) {
			continue
		}
		if !f.pool.acquire(context.WithoutCancel(ctx)) {
			f.inflight.remove(stream, e.ID)
			continue
		}
		msg, err := decodeMessage(f.Name, stream, e.ID, e.Values)
		release := func() { f.pool.release(msg) }
		switch {
		case e.Values == nil:
			// Deleted from the stream while pending: nothing to run.
			f.settle(msg, &commitItem{ack: true}, release)
		case err != nil:
			f.logFailure(msg, err)
			f.streamMetric(stream).failed.Inc()
			f.deadLetter(msg, err, release)
		case !f.accepts(msg.Type):
			f.streamMetric(stream).skipped.Inc()
			f.settle(msg, &commitItem{ack: true}, release)
		default:
			msgs = append(msgs, msg)
		}
	}
	if len(msgs) == 0 {
		return
	}
	done, err := f.doneAlready(ctx, msgs)
	if err != nil {
		f.logger.Warn("idempotency check failed: running anyway (commit is guarded)", zap.Error(err))
	}
	for i, msg := range msgs {
		if done != nil && done[i] {
			f.streamMetric(stream).skipped.Inc()
			f.settle(msg, &commitItem{ack: true}, func() { f.pool.release(msg) })
			continue
		}
		f.pool.submit(msg)
	}
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
