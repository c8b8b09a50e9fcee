package runtime

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// reader feeds a function's pool from its streams with XREADGROUP. It first
// recovers this consumer's own pending entries (those it read before a
// crash or restart, see recoverOwn), then reads new entries (">") in
// batches of BatchSize, blocking up to ReadBlock when there is nothing to
// do. Every entry read is tracked at once, so the renewer keeps it
// claimed while it waits for intake.
//
// A batch's idempotency lookup rides in the same round trip as the next
// read (one pipeline: HMGET for batch k, XREADGROUP for batch k+1), and
// checked batches go through a short queue to a second goroutine that runs
// intake, so the reader spends one round trip per batch, like a plain
// XREADGROUP loop.
type reader struct {
	f *function
}

// checkedBatch is a read batch and, per stream and entry, whether the
// event is done already (nil when the lookup did not happen or failed:
// intake then looks up itself).
type checkedBatch struct {
	res  []redis.XStream
	done [][]bool
}

func newReader(f *function) *reader { return &reader{f: f} }

// readQueue is how many read batches may wait for intake.
const readQueue = 2

// run reads until ctx ends, then lets intake finish every batch already
// read (those entries are delivered, so they are handled, not dropped)
// until hard ends; what intake cannot take by then stays pending.
func (r *reader) run(ctx, hard context.Context) {
	batches := make(chan checkedBatch, readQueue)
	intakeDone := make(chan struct{})
	go func() {
		defer close(intakeDone)
		for b := range batches {
			for i, xs := range b.res {
				var done []bool
				if b.done != nil {
					done = b.done[i]
				}
				r.f.intake(hard, xs.Stream, xs.Messages, done, nil)
			}
		}
	}()
	r.recover(ctx, hard)
	r.read(ctx, hard, batches)
	close(batches)
	<-intakeDone
}

// recover hands this consumer's own pending entries to intake, retrying
// while Redis fails.
func (r *reader) recover(ctx, hard context.Context) {
	f := r.f
	b := newBackoff(50*time.Millisecond, 5*time.Second)
	for _, s := range f.Streams {
		for {
			err := f.recoverOwn(ctx, hard, s)
			if err == nil || ctx.Err() != nil {
				break
			}
			if redis.HasErrorPrefix(err, "NOGROUP") {
				_ = f.ensureGroups(ctx)
				continue
			}
			f.logger.Warn("recover own pending entries: retrying", zap.String("stream", s), zap.Error(err))
			if !b.wait(ctx) {
				return
			}
		}
	}
}

func (r *reader) read(ctx, hard context.Context, batches chan<- checkedBatch) {
	f := r.f
	b := newBackoff(50*time.Millisecond, 5*time.Second)
	failing := false
	var held []redis.XStream // read, not yet looked up
	send := func(cb checkedBatch) {
		select {
		case batches <- cb:
		case <-hard.Done():
			for _, xs := range cb.res {
				for _, m := range xs.Messages {
					f.inflight.remove(xs.Stream, m.ID)
					f.giveBack(xs.Stream, m.ID)
				}
			}
		}
	}
	streams := r.args()
	for ctx.Err() == nil {
		block := f.rt.cfg.ReadBlock
		if held != nil {
			block = -1 // answer at once: a batch waits
		}
		pipe := f.rt.rdb.Pipeline()
		var lookup func() ([]bool, error)
		if held != nil {
			lookup = f.records.queueDone(ctx, pipe, eventIDs(held))
		}
		read := pipe.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: f.Name, Consumer: f.rt.cfg.ConsumerName,
			Streams: streams, Count: int64(f.rt.cfg.BatchSize), Block: block,
		})
		_, _ = pipe.Exec(ctx)
		if held != nil {
			done, _ := lookup()
			send(checkedBatch{res: held, done: split(held, done)})
			held = nil
		}
		res, err := read.Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			if ctx.Err() != nil {
				return
			}
			if redis.HasErrorPrefix(err, "NOGROUP") {
				// The stream or group vanished (a Redis without
				// persistence restarted): create it again.
				f.logger.Warn("consumer group missing: recreating", zap.Error(err))
				_ = f.ensureGroups(ctx)
				continue
			}
			if !failing {
				f.logger.Warn("read failed: retrying with backoff", zap.Error(err))
				failing = true
			}
			b.wait(ctx)
			continue
		}
		if failing {
			f.logger.Info("read recovered")
			failing = false
			b = newBackoff(50*time.Millisecond, 5*time.Second)
		}
		for i := range res {
			res[i].Messages = f.inflight.addNew(res[i].Stream, res[i].Messages)
		}
		if entries(res) > 0 {
			held = res
		}
	}
	if held != nil {
		send(checkedBatch{res: held})
	}
}

// eventIDs lists the event ids of a read's entries, stream by stream.
func eventIDs(res []redis.XStream) []string {
	var ids []string
	for _, xs := range res {
		for _, m := range xs.Messages {
			id, _ := m.Values[FieldEventID].(string)
			ids = append(ids, id)
		}
	}
	return ids
}

// split cuts flat lookup results back into one slice per stream.
func split(res []redis.XStream, flat []bool) [][]bool {
	if flat == nil {
		return nil
	}
	out := make([][]bool, len(res))
	for i, xs := range res {
		out[i], flat = flat[:len(xs.Messages)], flat[len(xs.Messages):]
	}
	return out
}

func entries(res []redis.XStream) (n int) {
	for _, xs := range res {
		n += len(xs.Messages)
	}
	return n
}

// args returns the XREADGROUP STREAMS arguments: every stream, from ">".
func (r *reader) args() []string {
	names := append([]string(nil), r.f.Streams...)
	for range r.f.Streams {
		names = append(names, ">")
	}
	return names
}
