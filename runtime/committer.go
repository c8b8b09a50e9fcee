package runtime

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// maxCommitGroup is the size at which a commit group stops taking more
// settled invocations (it may pass it by one submit).
const maxCommitGroup = 512

// commitItem is the settled fate of one invocation, written by the
// committer: the events it emitted, its idempotency record, a dead letter,
// and the ack of its stream entry, any of which may be absent.
type commitItem struct {
	stream, id string // the entry
	ack        bool   // XACK the entry
	eventID    string // the invocation's event id
	record     bool   // record eventID as done
	emits      []Emit // XADDed unless the event is recorded done already
	deadLetter *Emit  // XADDed to the dead-letter stream
	// release, when set, is the in-flight stream entry whose slot the
	// committer gives back once the item is written or given up.
	release *Message
	done    func(error)
}

// committer writes one function's settled invocations in groups (group
// commit): whatever has queued up while the previous group was written
// goes into one run of the commit script, which Redis runs alone and which
// writes all of it or nothing (see commit.lua). Within it, every item's
// emits, idempotency record, dead letter and ack are written together, so
// no event is emitted without its ack nor acked without its events; every
// write is guarded by a record, so an invocation committed twice (a
// duplicate run, or a retry after a lost reply) writes its events and its
// dead letter once; and an item whose entry another consumer has taken
// over writes nothing (fencing). A group that failed is retried with
// backoff until it succeeds or the committer is shut down; its entries
// then stay pending and are redelivered.
type committer struct {
	logger   *zap.Logger
	consumer string
	records  *rdb.Records
	// releaseFn gives back an entry's slot in the pool (set once the pool
	// exists).
	releaseFn func(*Message)
	// onFenced, when set, is told of every item skipped because its entry
	// is now pending to another consumer.
	onFenced func(stream, id string)
	// onDeadLettered, when set, is told of every invocation dead-lettered
	// because the script refused its outcome (see writeRefused).
	onDeadLettered func(stream string)

	in     chan []*commitItem
	stopCh chan struct{}
	wg     *sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// committerParams is what a committer needs: the function's records (its
// group's name and idempotency store) and this instance's consumer name.
type committerParams struct {
	logger         *zap.Logger
	consumer       string
	records        *rdb.Records
	onFenced       func(stream, id string)
	onDeadLettered func(stream string)
}

func newCommitter(p committerParams) *committer {
	ctx, cancel := context.WithCancel(context.Background())
	return &committer{
		logger: p.logger.Named("committer"), consumer: p.consumer, records: p.records,
		onFenced: p.onFenced, onDeadLettered: p.onDeadLettered,
		in: make(chan []*commitItem, 256), stopCh: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
}

// group is the consumer group (function) whose outcomes c writes.
func (c *committer) group() string { return c.records.Function() }

func (c *committer) start(wg *sync.WaitGroup) {
	c.wg = wg
	spawn(wg, c.loop)
}

// submit queues items; each one's done func is called once it is written
// or given up.
func (c *committer) submit(items []*commitItem) { c.in <- items }

// shutdown flushes what is queued, waiting at most timeout, then stops:
// unlike the other duties it waits itself, since its flush is bounded by
// the time left at step 4 (lifecycle.go).
func (c *committer) shutdown(timeout time.Duration) {
	close(c.stopCh)
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		c.cancel()
		<-done
	}
	c.cancel()
}

func (c *committer) loop() {
	var group []*commitItem
	for {
		group = group[:0]
		select {
		case items := <-c.in:
			group = append(group, items...)
		case <-c.stopCh:
			c.flush()
			return
		}
	fill:
		for len(group) < maxCommitGroup {
			select {
			case items := <-c.in:
				group = append(group, items...)
			default:
				break fill
			}
		}
		c.write(group)
	}
}

// flush writes everything still queued, after stop.
func (c *committer) flush() {
	var group []*commitItem
	for {
		select {
		case items := <-c.in:
			group = append(group, items...)
			if len(group) >= maxCommitGroup {
				c.write(group)
				group = nil
			}
		default:
			if len(group) > 0 {
				c.write(group)
			}
			return
		}
	}
}

// write commits one group, retrying on error until it succeeds or the
// committer is cancelled; then it calls every item's done.
func (c *committer) write(group []*commitItem) {
	b := backoff.New(50*time.Millisecond, 2*time.Second)
	var err error
	for {
		err = c.exec(c.ctx, group)
		if err == nil || c.ctx.Err() != nil {
			break
		}
		if refused(err) {
			if len(group) > 1 {
				c.writeEach(group, err)
				return // each item was written (and released) on its own
			}
			if c.deadLetterInstead(group[0], err) {
				continue
			}
			break
		}
		c.logger.Warn("commit failed: retrying", zap.String("function", c.group()), zap.Int("items", len(group)), zap.Error(err))
		if !b.Wait(c.ctx) {
			break
		}
	}
	if err != nil {
		c.logger.Error("commit given up: entries stay pending for redelivery", zap.String("function", c.group()), zap.Int("items", len(group)), zap.Error(err))
	}
	for _, it := range group {
		if it.release != nil {
			c.releaseFn(it.release)
		}
		if it.done != nil {
			it.done(err)
		}
	}
}

// exec writes group with one run of the commit script, and reports the
// items that were fenced off.
func (c *committer) exec(ctx context.Context, group []*commitItem) error {
	items := make([]rdb.CommitItem, len(group))
	for i, it := range group {
		items[i] = rdb.CommitItem{
			Stream: it.stream, ID: it.id, Ack: it.ack, EventID: it.eventID, Record: it.record,
			Emits: writes(it.emits),
		}
		if dl := it.deadLetter; dl != nil {
			w := rdb.Write(*dl)
			items[i].DeadLetter = &w
			items[i].DeadLetterGuard = rdb.DeadLetterGuard(dl.Fields[DLQFieldStream], dl.Fields[DLQFieldEntryID], dl.Fields[DLQFieldAttempts])
		}
	}
	fenced, err := c.records.Commit(ctx, c.consumer, maxWriteValues, items)
	if err != nil {
		return err
	}
	for _, k := range fenced {
		it := group[k]
		c.logger.Warn("commit fenced: the entry is now pending to another consumer; this run's outcome is not written",
			zap.String("stream", it.stream), zap.String("entry_id", it.id), zap.String("event_id", it.eventID))
		if c.onFenced != nil {
			c.onFenced(it.stream, it.id)
		}
	}
	return nil
}

// writes converts emits to the commit's writes.
func writes(emits []Emit) []rdb.Write {
	if len(emits) == 0 {
		return nil
	}
	out := make([]rdb.Write, len(emits))
	for i, e := range emits {
		out[i] = rdb.Write(e)
	}
	return out
}
