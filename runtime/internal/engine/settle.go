package engine

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/retrytask"
)

// Settling: what becomes of a finished attempt of a stream entry, as a
// commit item (commit, dead letter, ack) or a retry.

// outcome settles one finished attempt of a stream entry: committed,
// dead-lettered, retried in place (ordered functions) or scheduled as a
// retry task. When ctx (the handlers' context) ended first, the entry is
// left pending.
func (f *Worker) outcome(ctx context.Context, msg *Entry, err error, abandoned bool) outcome {
	m := f.metrics(msg.Stream)
	switch {
	case err == nil:
		m.Processed.Inc()
		return outcome{kind: outSettle, item: f.item(msg, commitItem{Ack: true, Record: true, Emits: f.host.Emits(msg)})}
	case ctx.Err() != nil:
		return outcome{kind: outStop}
	case f.host.IsPermanent(err) || msg.Attempt >= f.MaxAttempts:
		return outcome{kind: outSettle, item: f.deadLetter(msg, err)}
	}
	if msg.FirstFailure.IsZero() {
		msg.FirstFailure = time.Now()
	}
	m.Retried.Inc()
	if f.OrderingKey != "" {
		// Retry in place: the entry stays pending, its lane waits parked.
		next := msg
		if abandoned {
			next = f.retryCopy(msg)
		}
		delay := backoff.Retry(msg.Attempt, f.BackoffBase, f.BackoffMax)
		next.Attempt++
		return outcome{kind: outWait, delay: delay, next: next}
	}
	if serr := f.schedule(ctx, msg); serr != nil {
		f.logger.Warn("schedule retry failed: entry left pending for redelivery",
			zap.String("stream", msg.Stream), zap.String("entry_id", msg.ID), zap.Error(serr))
		return outcome{kind: outSkip}
	}
	return outcome{kind: outSettle, item: f.item(msg, commitItem{Ack: true})}
}

// schedule turns msg's failed attempt into a delayed retry task.
func (f *Worker) schedule(ctx context.Context, msg *Entry) error {
	p := retrytask.Payload{
		Stream: msg.Stream, ID: msg.ID, Fields: msg.Fields,
		Attempt: msg.Attempt + 1, MaxAttempts: f.MaxAttempts, FirstFailure: msg.FirstFailure,
	}
	delay := backoff.Retry(msg.Attempt, f.BackoffBase, f.BackoffMax)
	return f.ret.Schedule(ctx, f.Name, msg.IdempotencyKey, p, delay, f.Timeout+time.Minute)
}

// deadLetter returns the commit that writes msg to the function's
// dead-letter stream and acks it.
func (f *Worker) deadLetter(msg *Entry, cause error) *commitItem {
	f.metrics(msg.Stream).DeadLettered.Inc()
	dl := f.host.DeadLetter(msg, cause)
	return f.item(msg, commitItem{Ack: true, DeadLetter: &dl})
}

// item returns msg's commit item set to it, with the entry it settles.
func (f *Worker) item(msg *Entry, it commitItem) *commitItem {
	it.Stream, it.ID, it.EventID = msg.Stream, msg.ID, msg.EventID
	it.Lease, it.Token = msg.Lease, msg.Token
	msg.commit = it
	return &msg.commit
}
