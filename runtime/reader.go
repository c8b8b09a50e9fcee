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
// blocking up to ReadBlock. Batches go through a short queue to a second
// goroutine that runs intake (the batch's idempotency check, then
// dispatch), so that the next read's round trip overlaps this batch's
// check.
type reader struct {
	f *function
	// cursors holds, per stream, the position in this consumer's own
	// pending list; a stream whose pending list is drained reads ">".
	cursors map[string]string
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
	batches := make(chan []redis.XStream, readQueue)
	intakeDone := make(chan struct{})
	go func() {
		defer close(intakeDone)
		for res := range batches {
			for _, xs := range res {
				r.f.intake(ctx, xs.Stream, xs.Messages)
			}
		}
	}()
	r.read(ctx, batches)
	close(batches)
	<-intakeDone
}

func (r *reader) read(ctx context.Context, batches chan<- []redis.XStream) {
	f := r.f
	b := newBackoff(50*time.Millisecond, 5*time.Second)
	failing := false
	for ctx.Err() == nil {
		streams, draining := r.args()
		block := f.rt.cfg.ReadBlock
		if draining {
			block = -1 // own pending entries: answer at once
		}
		res, err := f.rt.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: f.Name, Consumer: f.rt.cfg.ConsumerName,
			Streams: streams, Count: int64(f.rt.cfg.BatchSize), Block: block,
		}).Result()
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
		if len(res) > 0 {
			batches <- res
		}
	}
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
