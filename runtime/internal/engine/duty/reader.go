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
	// EventRefs lists the events of a read's entries, stream by stream.
	EventRefs func(res []redis.XStream) []rdb.Ref
	// RecoverOwn hands this consumer's own pending entries of a stream to
	// intake; EnsureGroups creates missing groups; GiveBack notes a
	// delivery that never ran.
	RecoverOwn   func(ctx, hard context.Context, stream, token string) error
	EnsureGroups func(ctx context.Context) error
	GiveBack     func(stream, id string)
	// Refused is told of a partition of ReadSet whose lease its token no
	// longer holds (leased functions).
	Refused func(part rdb.LeasedPart)
}

// Intake turns entries read or recovered from stream into work: token,
// for a leased function, is the partition token they were read under;
// done, when
// not nil, says per entry whether its event is done already; counts, for
// recovered entries, gives each one's delivery count.
type Intake func(ctx context.Context, stream, token string, entries []redis.XMessage, done []bool, counts map[string]int)

// checkedBatch is a read batch and, per stream and entry, whether the
// event is done already (nil when the lookup did not happen or failed:
// intake then looks up itself).
type checkedBatch struct {
	res  []redis.XStream
	done [][]bool
	// tokens, for a leased read, are the tokens its streams were read
	// under.
	tokens map[string]string
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
				r.p.Intake(hard, xs.Stream, b.tokens[xs.Stream], xs.Messages, done, nil)
			}
		}
	}()
	if r.p.ReadSet != nil {
		r.readLeased(ctx, hard, batches)
	} else {
		r.recover(ctx, hard)
		r.read(ctx, hard, batches)
	}
	close(batches)
	<-intakeDone
}

// recover hands this consumer's own pending entries to intake, retrying
// while Redis fails.
func (r *Reader) recover(ctx, hard context.Context) {
	b := backoff.New(50*time.Millisecond, 5*time.Second)
	for _, s := range r.p.Streams {
		for {
			err := r.p.RecoverOwn(ctx, hard, s, "")
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
	health := readHealth{p: &r.p}
	var held []redis.XStream // read, not yet looked up
	for ctx.Err() == nil {
		args := rdb.ReadArgs{Streams: p.Streams, Count: p.BatchSize, Block: p.ReadBlock}
		if held != nil {
			args.Block = -1 // answer at once: a batch waits
			args.Lookup, args.LookupRefs = p.Records, p.EventRefs(held)
		}
		res, lookup, err := p.Group.Read(ctx, args)
		if err == nil {
			for i := range res {
				res[i].Messages = p.Inflight.AddNew(res[i].Stream, res[i].Messages)
			}
		}
		if held != nil {
			done, _ := lookup()
			r.send(hard, batches, checkedBatch{res: held, done: split(held, done)})
			held = nil
		}
		if !health.after(ctx, err) {
			continue
		}
		if entries(res) > 0 {
			held = res
		}
	}
	if held != nil {
		r.send(hard, batches, checkedBatch{res: held})
	}
}

// send hands a read batch to intake; once hard has ended its entries are
// no longer tracked and their deliveries are given back.
func (r *Reader) send(hard context.Context, batches chan<- checkedBatch, cb checkedBatch) {
	select {
	case batches <- cb:
	case <-hard.Done():
		for _, xs := range cb.res {
			for _, m := range xs.Messages {
				r.p.Inflight.Remove(xs.Stream, m.ID)
				r.p.GiveBack(xs.Stream, m.ID)
			}
		}
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
