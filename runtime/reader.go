package runtime

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// reader feeds a function's pool from its streams with XREADGROUP. It first
// drains this consumer's own pending entries (those it read before a crash
// or restart), then reads new entries (">") in batches of BatchSize,
// blocking up to ReadBlock when there is nothing to do.
//
// A batch's idempotency lookup rides in the same round trip as the next
// read (one pipeline: HMGET for batch k, XREADGROUP for batch k+1), and
// checked batches go through a short queue to a second goroutine that runs
// intake, so the reader spends one round trip per batch, like a plain
// XREADGROUP loop.
type reader struct {
	f *function
	// cursors holds, per stream, the position in this consumer's own
	// pending list; a stream whose pending list is drained reads ">".
	cursors map[string]string
}

// checkedBatch is a read batch and, per stream and entry, whether the
// event is done already (nil when the lookup did not happen or failed:
// intake then looks up itself).
type checkedBatch struct {
	res  []redis.XStream
	done [][]bool
}

func newReader(f *function) *reader {
	c := make(map[string]string, len(f.Streams))
	for _, s := range f.Streams {
		c[s] = "0"
	}
	return &reader{f: f, cursors: c}
}

// readQueue is how many read batches may wait for intake.
const readQueue = 2

// run reads until ctx ends, then lets intake finish every batch already
// read (those entries are delivered, so they are handled, not dropped).
func (r *reader) run(ctx context.Context) {
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
				r.f.intake(ctx, xs.Stream, xs.Messages, done)
			}
		}
	}()
	r.read(ctx, batches)
	close(batches)
	<-intakeDone
}

func (r *reader) read(ctx context.Context, batches chan<- checkedBatch) {
	f := r.f
	b := newBackoff(50*time.Millisecond, 5*time.Second)
	failing := false
	var held []redis.XStream // read, not yet looked up
	for ctx.Err() == nil {
		streams, draining := r.args()
		block := f.rt.cfg.ReadBlock
		if draining || held != nil {
			block = -1 // answer at once: own pending entries, or a batch waits
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
			batches <- checkedBatch{res: held, done: split(held, done)}
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
		r.advance(res)
		if entries(res) > 0 {
			held = res
		}
	}
	if held != nil {
		batches <- checkedBatch{res: held}
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

// args returns the XREADGROUP STREAMS arguments and whether any stream is
// still draining its own pending entries (then only those are read).
func (r *reader) args() ([]string, bool) {
	var names, ids []string
	for _, s := range r.f.Streams {
		if c := r.cursors[s]; c != ">" {
			names, ids = append(names, s), append(ids, c)
		}
	}
	if len(names) > 0 {
		return append(names, ids...), true
	}
	for _, s := range r.f.Streams {
		names, ids = append(names, s), append(ids, ">")
	}
	return append(names, ids...), false
}

// advance moves the pending-drain cursors past a read's entries.
func (r *reader) advance(res []redis.XStream) {
	for _, xs := range res {
		if c := r.cursors[xs.Stream]; c != ">" {
			if len(xs.Messages) == 0 {
				r.cursors[xs.Stream] = ">"
				continue
			}
			r.cursors[xs.Stream] = xs.Messages[len(xs.Messages)-1].ID
		}
	}
	// A stream absent from a pending-drain reply has nothing pending.
	for _, s := range r.f.Streams {
		if r.cursors[s] == ">" {
			continue
		}
		seen := false
		for _, xs := range res {
			seen = seen || xs.Stream == s
		}
		if !seen {
			r.cursors[s] = ">"
		}
	}
}
