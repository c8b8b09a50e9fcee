// Package commit is the runtime's group commit: the committer that writes
// one function's settled invocations (emitted events, idempotency records,
// dead letters, acks) in groups, each group with one run of the commit
// script (rdb/commit.lua).
package commit

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// MaxGroup is the size at which a commit group stops taking more
// settled invocations (it may pass it by one submit).
const MaxGroup = 512

// Item is the settled fate of one invocation, written by the committer:
// the events it emitted, its idempotency record, a dead letter, and the
// ack of its stream entry, any of which may be absent. T is the engine's
// in-flight entry.
type Item[T any] struct {
	Stream, ID string      // the entry
	Ack        bool        // XACK the entry
	EventID    string      // the invocation's event id
	Record     bool        // record EventID as done
	Emits      []rdb.Write // XADDed unless the event is recorded done already
	DeadLetter *rdb.Write  // XADDed to the dead-letter stream
	// Lease and Token fence the item by a partition lease (see
	// rdb.CommitItem).
	Lease, Token string
	// Release, when set, is the in-flight stream entry whose slot the
	// committer gives back once the item is written or given up.
	Release *T
	Done    func(error)
}

// Committer writes one function's settled invocations in groups (group
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
type Committer[T any] struct {
	p      Params[T]
	logger *zap.Logger
	// releaseFn gives back an entry's slot in the pool (set once the pool
	// exists).
	releaseFn func(*T)

	in     chan []*Item[T]
	stopCh chan struct{}
	wg     *sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// Params is what a committer needs: the function's records (its group's
// name and idempotency store), this instance's consumer name, and what it
// is told of.
type Params[T any] struct {
	Logger   *zap.Logger
	Consumer string
	Records  *rdb.Records
	// Guard is the record that guards a dead letter written alone (see
	// rdb.DeadLetterGuard).
	Guard func(dl *rdb.Write) string
	// MaxWriteValues bounds the field names and values of one write.
	MaxWriteValues int
	// OnFenced, when set, is told of every item skipped because its entry
	// is now pending to another consumer.
	OnFenced func(stream, id string)
	// OnUnreplicated, when set, is told of every item committed on its
	// master but not acknowledged by the replicas asked for in time.
	OnUnreplicated func(stream string)
	// OnDeadLettered, when set, is told of every invocation dead-lettered
	// because the script refused its outcome (see deadLetterInstead).
	OnDeadLettered func(stream string)
	// DeadLetter, when set, builds the dead letter of the entry an item
	// releases, failing permanently with cause (a refused commit).
	DeadLetter func(entry *T, cause error) rdb.Write
}

// New returns an unstarted committer.
func New[T any](p Params[T]) *Committer[T] {
	ctx, cancel := context.WithCancel(context.Background())
	return &Committer[T]{
		p: p, logger: p.Logger.Named("committer"),
		in: make(chan []*Item[T], 256), stopCh: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
}

// SetRelease sets what gives back a released entry's slot.
func (c *Committer[T]) SetRelease(release func(*T)) { c.releaseFn = release }

// group is the consumer group (function) whose outcomes c writes.
func (c *Committer[T]) group() string { return c.p.Records.Function() }

// Start runs the committer on a goroutine of its own, counted in wg.
func (c *Committer[T]) Start(wg *sync.WaitGroup) {
	c.wg = wg
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.loop()
	}()
}

// Submit queues items; each one's Done func is called once it is written
// or given up.
func (c *Committer[T]) Submit(items []*Item[T]) { c.in <- items }

// Shutdown flushes what is queued, waiting at most timeout, then stops:
// unlike the other duties it waits itself, since its flush is bounded by
// the time left at step 4 (engine/lifecycle.go).
func (c *Committer[T]) Shutdown(timeout time.Duration) {
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

func (c *Committer[T]) loop() {
	var group []*Item[T]
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
		for len(group) < MaxGroup {
			select {
			case items := <-c.in:
				group = append(group, items...)
			default:
				break fill
			}
		}
		c.Write(group)
	}
}

// flush writes everything still queued, after stop.
func (c *Committer[T]) flush() {
	var group []*Item[T]
	for {
		select {
		case items := <-c.in:
			group = append(group, items...)
			if len(group) >= MaxGroup {
				c.Write(group)
				group = nil
			}
		default:
			if len(group) > 0 {
				c.Write(group)
			}
			return
		}
	}
}

// Write commits one group, retrying on error until it succeeds or the
// committer is cancelled; then it calls every item's Done.
func (c *Committer[T]) Write(group []*Item[T]) {
	b := backoff.New(50*time.Millisecond, 2*time.Second)
	var err error
	for {
		err = c.Exec(c.ctx, group)
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
		if it.Release != nil {
			c.releaseFn(it.Release)
		}
		if it.Done != nil {
			it.Done(err)
		}
	}
}

// Exec writes group with one run of the commit script, and reports the
// items that were fenced off.
func (c *Committer[T]) Exec(ctx context.Context, group []*Item[T]) error {
	items := make([]rdb.CommitItem, len(group))
	for i, it := range group {
		items[i] = rdb.CommitItem{
			Stream: it.Stream, ID: it.ID, Ack: it.Ack, EventID: it.EventID, Record: it.Record,
			Emits: it.Emits, Lease: it.Lease, Token: it.Token,
		}
		if dl := it.DeadLetter; dl != nil {
			items[i].DeadLetter = dl
			items[i].DeadLetterGuard = c.p.Guard(dl)
		}
	}
	fenced, err := c.p.Records.Commit(ctx, c.p.Consumer, c.p.MaxWriteValues, items)
	if rdb.IsShort(err) {
		// Written: a failover before the replicas have it loses the whole
		// commit, and its entries are then delivered again.
		c.logger.Warn("commit not acknowledged by the replicas asked for in time", zap.String("function", c.group()),
			zap.Int("items", len(group)), zap.Error(err))
		for _, it := range group {
			if c.p.OnUnreplicated != nil {
				c.p.OnUnreplicated(it.Stream)
			}
		}
		err = nil
	}
	if err != nil {
		return err
	}
	for _, k := range fenced {
		it := group[k]
		c.logger.Warn("commit fenced: the entry is now another consumer's (taken over, or its partition's lease passed on); this run's outcome is not written",
			zap.String("stream", it.Stream), zap.String("entry_id", it.ID), zap.String("event_id", it.EventID))
		if c.p.OnFenced != nil {
			c.p.OnFenced(it.Stream, it.ID)
		}
	}
	return nil
}
