package duty

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/inflight"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// Reader feeds a function's pool from its streams with XREADGROUP. It first
// recovers this consumer's own pending entries (those it read before a
// crash or restart, see Claims.RecoverOwn), then reads new entries (">") in
// batches of BatchSize, blocking up to ReadBlock when there is nothing to
// do. Every entry read is tracked at once, so the renewer keeps it
// claimed while it waits for intake.
//
// A batch's idempotency lookup rides in the same round trip as the next
// read (one pipeline: HMGET for batch k, XREADGROUP for batch k+1), and
// checked batches go through a short queue to a second goroutine that runs
// intake, so the reader spends one round trip per batch, like a plain
// XREADGROUP loop.
type Reader struct {
	p      ReaderParams
	ctx    context.Context // ends at shutdown: reading stops
	cancel context.CancelFunc
}

// ReaderParams is what the reader needs.
type ReaderParams struct {
	Logger  *zap.Logger
	Group   *rdb.Consumer
	Records *rdb.Records
	Streams []string
	// ReadSet, when set, replaces Streams: the reader reads what it holds
	// at each read (a leased function's owned partitions), and recovers
	// nothing at start (each partition is recovered when acquired).
	ReadSet   *ReadSet
	BatchSize int
	ReadBlock time.Duration
	Inflight  *inflight.Set
	// Hard is the handlers' context: intake of what was read goes on
	// until it ends.
	Hard context.Context
	// Before, when set, runs before the first read (takeover).
	Before func(ctx context.Context)
	// Intake turns entries into work (see engine's intake).
	Intake Intake
	// EventIDs lists the event ids of a read's entries, stream by stream.
	EventIDs func(res []redis.XStream) []string
	// RecoverOwn hands this consumer's own pending entries of a stream to
	// intake; EnsureGroups creates missing groups; GiveBack notes a
	// delivery that never ran.
	RecoverOwn   func(ctx, hard context.Context, stream string) error
	EnsureGroups func(ctx context.Context) error
	GiveBack     func(stream, id string)
}

// Intake turns entries read or recovered from stream into work: done, when
// not nil, says per entry whether its event is done already; counts, for
// recovered entries, gives each one's delivery count.
type Intake func(ctx context.Context, stream string, entries []redis.XMessage, done []bool, counts map[string]int)

// checkedBatch is a read batch and, per stream and entry, whether the
// event is done already (nil when the lookup did not happen or failed:
// intake then looks up itself).
type checkedBatch struct {
	res  []redis.XStream
	done [][]bool
}

// NewReader returns the reader of one function, reading until base ends
// or Shutdown.
func NewReader(base context.Context, p ReaderParams) *Reader {
	ctx, cancel := context.WithCancel(base)
	return &Reader{p: p, ctx: ctx, cancel: cancel}
}

// Start runs the reader on a goroutine of its own, counted in wg.
func (r *Reader) Start(wg *sync.WaitGroup) {
	spawn(wg, func() {
		if r.p.Before != nil {
			r.p.Before(r.ctx)
		}
		r.run(r.ctx, r.p.Hard)
	})
}

// Shutdown stops reading; what was read is still handed to intake.
func (r *Reader) Shutdown() { r.cancel() }

// readQueue is how many read batches may wait for intake.
const readQueue = 2

// run reads until ctx ends, then lets intake finish every batch already
// read (those entries are delivered, so they are handled, not dropped)
// until hard ends; what intake cannot take by then stays pending.
func (r *Reader) run(ctx, hard context.Context) {
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
				r.p.Intake(hard, xs.Stream, xs.Messages, done, nil)
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
func (r *Reader) recover(ctx, hard context.Context) {
	b := backoff.New(50*time.Millisecond, 5*time.Second)
	for _, s := range r.p.Streams {
		for {
			err := r.p.RecoverOwn(ctx, hard, s)
			if err == nil || ctx.Err() != nil {
				break
			}
			if rdb.IsNoGroup(err) {
				_ = r.p.EnsureGroups(ctx)
				continue
			}
			r.p.Logger.Warn("recover own pending entries: retrying", zap.String("stream", s), zap.Error(err))
			if !b.Wait(ctx) {
				return
			}
		}
	}
}

func (r *Reader) read(ctx, hard context.Context, batches chan<- checkedBatch) {
	p := r.p
	b := backoff.New(50*time.Millisecond, 5*time.Second)
	failing := false
	var held []redis.XStream // read, not yet looked up
	send := func(cb checkedBatch) {
		select {
		case batches <- cb:
		case <-hard.Done():
			for _, xs := range cb.res {
				for _, m := range xs.Messages {
					p.Inflight.Remove(xs.Stream, m.ID)
					p.GiveBack(xs.Stream, m.ID)
				}
			}
		}
	}
	for ctx.Err() == nil {
		streams := p.Streams
		if p.ReadSet != nil {
			var changed <-chan struct{}
			if streams, changed = p.ReadSet.Begin(); len(streams) == 0 {
				if held != nil {
					send(checkedBatch{res: held})
					held = nil
				} else {
					p.ReadSet.idle(changed, p.ReadBlock, ctx.Done())
				}
				p.ReadSet.End()
				continue
			}
		}
		args := rdb.ReadArgs{Streams: streams, Count: p.BatchSize, Block: p.ReadBlock}
		if held != nil {
			args.Block = -1 // answer at once: a batch waits
			args.Lookup, args.LookupIDs = p.Records, p.EventIDs(held)
		}
		res, lookup, err := p.Group.Read(ctx, args)
		if err == nil {
			// Tracked before the read ends (ReadSet.Remove waits for it).
			for i := range res {
				res[i].Messages = p.Inflight.AddNew(res[i].Stream, res[i].Messages)
			}
		}
		if p.ReadSet != nil {
			p.ReadSet.End()
		}
		if held != nil {
			done, _ := lookup()
			send(checkedBatch{res: held, done: split(held, done)})
			held = nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			if rdb.IsNoGroup(err) {
				// The stream or group vanished (a Redis without
				// persistence restarted): create it again.
				p.Logger.Warn("consumer group missing: recreating", zap.Error(err))
				_ = p.EnsureGroups(ctx)
				continue
			}
			if !failing {
				p.Logger.Warn("read failed: retrying with backoff", zap.Error(err))
				failing = true
			}
			b.Wait(ctx)
			continue
		}
		if failing {
			p.Logger.Info("read recovered")
			failing = false
			b = backoff.New(50*time.Millisecond, 5*time.Second)
		}
		if entries(res) > 0 {
			held = res
		}
	}
	if held != nil {
		send(checkedBatch{res: held})
	}
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
