package engine

import (
	"context"
	"fmt"

	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/internal/retrytask"
)

// Retry tasks: one due retry (or replay) of an unordered function, run by
// the retrier's asynq server through the function's chain.

// handleRetry runs one retry (or replay) attempt and settles it. A nil
// return completes the asynq task (the retrier then removes a replay's
// dead letter, see retry.Retrier); an error makes asynq try again later,
// counting an attempt unless the error is retrytask.Infra's.
func (f *Worker) handleRetry(ctx context.Context, p retrytask.Payload, retried int) error {
	msg := newEntry(f.host, p.Stream, p.ID)
	msg.Fields = p.Fields
	setEvent(msg, f.Name, p.Fields[FieldType], p.Fields[FieldEventID])
	derr := f.host.Decode(msg)
	msg.Attempt = p.Attempt + retried
	msg.FirstFailure = p.FirstFailure
	m := f.metrics(p.Stream)
	if derr != nil {
		m.DeadLettered.Inc()
		dl := f.host.DeadLetter(msg, derr)
		return f.settleRetry(&commitItem{DeadLetter: &dl})
	}
	done, err := f.records.Done(ctx, []rdb.Ref{{Stream: p.Stream, EventID: msg.EventID}})
	if err != nil {
		return retrytask.Infra(err)
	}
	if done[0] {
		m.Skipped.Inc()
		return f.settleRetry(nil)
	}
	if msg.Attempt > p.MaxAttempts {
		// Its last attempt's process died (the lease expired).
		return f.settleRetry(f.exhaustedRetry(msg))
	}
	if key := msg.Fields[f.OrderingKey]; f.OrderingKey != "" && key != "" {
		// Never beside an entry of its key here: it waits for them.
		l, ok := f.pool.reserve(key)
		if !ok {
			return retrytask.Infra(fmt.Errorf("key %q busy here", key))
		}
		defer f.pool.unreserve(l)
	}
	f.pool.gate.RLock()
	defer f.pool.gate.RUnlock()
	select {
	case f.tokens <- struct{}{}:
	case <-ctx.Done():
		return retrytask.Infra(ctx.Err())
	}
	err = f.host.Invoke(ctx, msg)
	<-f.tokens
	if err == nil {
		err = f.replicated(ctx)
	}
	switch {
	case err == nil:
		m.Processed.Inc()
		return f.settleRetry(&commitItem{EventID: msg.EventID, Record: true, Emits: f.host.Emits(msg)})
	case ctx.Err() != nil:
		return retrytask.Infra(ctx.Err())
	case f.host.IsPermanent(err) || msg.Attempt >= p.MaxAttempts:
		m.DeadLettered.Inc()
		dl := f.host.DeadLetter(msg, err)
		return f.settleRetry(&commitItem{DeadLetter: &dl})
	}
	m.Retried.Inc()
	return err
}

// exhaustedRetry is the dead letter of a retry task whose every attempt
// began and none settled.
func (f *Worker) exhaustedRetry(msg *Entry) *commitItem {
	msg.Attempt--
	err := fmt.Errorf("attempt %d never settled: the process running it died or stopped", msg.Attempt)
	f.host.LogFailure(msg, err)
	f.metrics(msg.Stream).DeadLettered.Inc()
	dl := f.host.DeadLetter(msg, err)
	return &commitItem{DeadLetter: &dl}
}

// settleRetry commits item (nil: nothing to write).
func (f *Worker) settleRetry(item *commitItem) error {
	if item != nil {
		if err := f.commitWait(item); err != nil {
			return retrytask.Infra(err)
		}
	}
	return nil
}

// commitWait commits item and waits for the result.
func (f *Worker) commitWait(item *commitItem) error {
	errc := make(chan error, 1)
	item.Done = func(err error) { errc <- err }
	f.com.Submit([]*commitItem{item})
	if err := <-errc; err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
