package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
)

// Settling: what becomes of a finished attempt of a stream entry, as a
// commit item (commit, dead letter, ack) or a retry.

// outcome settles one finished attempt of a stream entry: committed,
// dead-lettered, retried in place (ordered functions) or scheduled as a
// retry task. When ctx (the handlers' context) ended first, the entry is
// left pending.
func (f *worker) outcome(ctx context.Context, msg *Message, err error, abandoned bool) outcome {
	m := f.streamMetric(msg.Stream)
	switch {
	case err == nil:
		m.processed.Inc()
		return outcome{kind: outSettle, item: f.item(msg, commitItem{ack: true, record: true, emits: msg.emits})}
	case ctx.Err() != nil:
		return outcome{kind: outStop}
	case IsPermanent(err) || msg.Attempt >= f.MaxAttempts:
		return outcome{kind: outSettle, item: f.deadLetter(msg, err)}
	}
	if msg.FirstFailure.IsZero() {
		msg.FirstFailure = time.Now()
	}
	m.retried.Inc()
	if f.OrderingKey != "" {
		// Retry in place: the entry stays pending, its lane waits parked.
		next := msg
		if abandoned {
			next = msg.retryCopy()
		}
		delay := backoff.Retry(msg.Attempt, f.BackoffBase, f.BackoffMax)
		next.Attempt++
		return outcome{kind: outWait, delay: delay, next: next}
	}
	if serr := f.ret.schedule(ctx, f, msg); serr != nil {
		f.logger.Warn("schedule retry failed: entry left pending for redelivery",
			zap.String("stream", msg.Stream), zap.String("entry_id", msg.ID), zap.Error(serr))
		return outcome{kind: outSkip}
	}
	return outcome{kind: outSettle, item: f.item(msg, commitItem{ack: true})}
}

// deadLetter returns the commit that writes msg to the function's
// dead-letter stream and acks it.
func (f *worker) deadLetter(msg *Message, cause error) *commitItem {
	f.streamMetric(msg.Stream).deadLettered.Inc()
	dl := newDeadLetterEntry(f.Name, msg, cause, time.Now())
	return f.item(msg, commitItem{ack: true, deadLetter: &dl})
}

// item returns msg's commit item set to it, with the entry it settles.
func (f *worker) item(msg *Message, it commitItem) *commitItem {
	it.stream, it.id, it.eventID = msg.Stream, msg.ID, msg.EventID
	msg.commit = it
	return &msg.commit
}
