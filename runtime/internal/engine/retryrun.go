package engine

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/retrytask"
)

// Retry tasks: one due retry (or replay) of an unordered function, run by
// the retrier's asynq server through the function's chain.

// handleRetry runs one retry (or replay) attempt and settles it. A nil
// return completes the asynq task; an error makes asynq try again later,
// counting an attempt unless the error is errInfra.
func (f *Worker) handleRetry(ctx context.Context, p retrytask.Payload, retried int) error {
	if p.DeadLetterID != "" {
		if run, err := f.replayStillDue(ctx, p); err != nil || !run {
			return err
		}
	}
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
		return f.settleRetry(ctx, p, &commitItem{DeadLetter: &dl})
	}
	done, err := f.records.Done(ctx, []string{msg.EventID})
	if err != nil {
		return retrytask.Infra(err)
	}
	if done[0] {
		m.Skipped.Inc()
		return f.settleRetry(ctx, p, nil)
	}
	if msg.Attempt > p.MaxAttempts {
		// Its last attempt's process died (the lease expired).
		return f.settleRetry(ctx, p, f.exhaustedRetry(msg))
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
	switch {
	case err == nil:
		m.Processed.Inc()
		return f.settleRetry(ctx, p, &commitItem{EventID: msg.EventID, Record: true, Emits: f.host.Emits(msg)})
	case ctx.Err() != nil:
		return retrytask.Infra(ctx.Err())
	case f.host.IsPermanent(err) || msg.Attempt >= p.MaxAttempts:
		m.DeadLettered.Inc()
		dl := f.host.DeadLetter(msg, err)
		return f.settleRetry(ctx, p, &commitItem{DeadLetter: &dl})
	}
	m.Retried.Inc()
	return err
}

// replayStillDue reports whether the replay task p is to run: only while
// its dead letter is in the stream. A replay settles by removing it, and
// its task is gone only after that, so a replay of the same dead letter
// enqueued later (by a replay that read it before, and claimed it after
// its claim expired) finds it gone and is dropped instead of running the
// event twice; so is the replay of a dead letter purged meanwhile.
func (f *Worker) replayStillDue(ctx context.Context, p retrytask.Payload) (bool, error) {
	ok, err := f.rdb.HasDeadLetter(ctx, f.Name, p.DeadLetterID)
	switch {
	case err != nil:
		return false, retrytask.Infra(err)
	case !ok:
		f.metrics(p.Stream).Skipped.Inc()
		f.logger.Info("replay dropped: its dead letter has left the stream (replayed already, or purged)",
			zap.String("dead_letter", p.DeadLetterID), zap.String("stream", p.Stream), zap.String("id", p.ID))
	}
	return ok, nil
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

// settleRetry commits item (nil: nothing to write) and, for a replay,
// then removes the replayed dead letter: only once its outcome is written.
func (f *Worker) settleRetry(ctx context.Context, p retrytask.Payload, item *commitItem) error {
	if item != nil {
		if err := f.commitWait(item); err != nil {
			return retrytask.Infra(err)
		}
	}
	if p.DeadLetterID == "" {
		return nil
	}
	c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := f.rdb.DeleteDeadLetter(c, f.Name, p.DeadLetterID); err != nil {
		f.logger.Error("replay settled, but the replayed dead letter was not removed", zap.String("dead_letter", p.DeadLetterID), zap.Error(err))
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
