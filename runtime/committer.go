package runtime

import (
	"context"
	_ "embed"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
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

//go:embed commit.lua
var commitSource string

// commitScript writes a group of settled invocations atomically; see
// commit.lua for its KEYS, ARGV and return value.
var commitScript = redis.NewScript(commitSource)

// committer writes one function's settled invocations in groups (group
// commit): whatever has queued up while the previous group was written
// goes into one atomic step: a MULTI/EXEC when the group only records and
// acks, the commit script when any item emits or dead-letters. Within it, every item's emits,
// idempotency record, dead letter and ack are written together, so no
// event is emitted without its ack nor acked without its events, and an
// invocation committed twice (a duplicate run, or a retry after a lost
// reply) writes its events once. A group that failed is retried with
// backoff until it succeeds or the committer is shut down; its entries
// then stay pending and are redelivered.
type committer struct {
	rdb     redis.UniversalClient
	logger  *zap.Logger
	group   string
	records *doneRecords
	// releaseFn gives back an entry's slot in the pool (set by start).
	releaseFn func(*Message)

	in     chan []*commitItem
	stopCh chan struct{}
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

func newCommitter(rdb redis.UniversalClient, logger *zap.Logger, group string, records *doneRecords) *committer {
	ctx, cancel := context.WithCancel(context.Background())
	return &committer{
		rdb: rdb, logger: logger.Named("committer"), group: group, records: records,
		in: make(chan []*commitItem, 256), stopCh: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
}

func (c *committer) start() {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.loop()
	}()
}

// submit queues items; each one's done func is called once it is written
// or given up.
func (c *committer) submit(items []*commitItem) { c.in <- items }

// shutdown flushes what is queued, waiting at most timeout, then stops.
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
	b := newBackoff(50*time.Millisecond, 2*time.Second)
	var err error
	for {
		err = c.exec(c.ctx, group)
		if err == nil || c.ctx.Err() != nil {
			break
		}
		c.logger.Warn("commit failed: retrying", zap.String("function", c.group), zap.Int("items", len(group)), zap.Error(err))
		if !b.wait(c.ctx) {
			break
		}
	}
	if err != nil {
		c.logger.Error("commit given up: entries stay pending for redelivery", zap.String("function", c.group), zap.Int("items", len(group)), zap.Error(err))
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

// exec writes group: with one MULTI/EXEC when no item writes events (the
// common case: records and acks only, which are idempotent), else with
// commitScript, which guards each item's writes.
func (c *committer) exec(ctx context.Context, group []*commitItem) error {
	for _, it := range group {
		if len(it.emits) > 0 || it.deadLetter != nil {
			return c.execScript(ctx, group)
		}
	}
	return c.execMulti(ctx, group)
}

// execMulti records and acks a group without writes in one MULTI/EXEC:
// one HSET of every record, one XACK per stream.
func (c *committer) execMulti(ctx context.Context, group []*commitItem) error {
	cur, _, expireAt := c.records.keys()
	var records []any
	acks := map[string][]string{}
	var streams []string
	for _, it := range group {
		if it.record {
			records = append(records, recordField(it.eventID), "1")
		}
		if it.ack {
			if _, ok := acks[it.stream]; !ok {
				streams = append(streams, it.stream)
			}
			acks[it.stream] = append(acks[it.stream], it.id)
		}
	}
	_, err := c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(records) > 0 {
			p.HSet(ctx, cur, records...)
			p.PExpireAt(ctx, cur, time.UnixMilli(expireAt))
		}
		for _, s := range streams {
			p.XAck(ctx, s, c.group, acks[s]...)
		}
		return nil
	})
	return err
}

// execScript runs commitScript for group.
func (c *committer) execScript(ctx context.Context, group []*commitItem) error {
	cur, prev, expireAt := c.records.keys()
	keys := []string{cur, prev}
	index := map[string]int{}
	keyIndex := func(stream string) string {
		i, ok := index[stream]
		if !ok {
			keys = append(keys, stream)
			i = len(keys)
			index[stream] = i
		}
		return strconv.Itoa(i)
	}
	args := make([]any, 0, 2+len(group)*5)
	args = append(args, expireAt, c.group)
	for _, it := range group {
		ack, id := "0", ""
		if it.ack {
			ack, id = keyIndex(it.stream), it.id
		}
		rec, guard := "", ""
		if it.record {
			rec = recordField(it.eventID)
		}
		if len(it.emits) > 0 {
			guard = recordField(it.eventID)
		}
		writes := it.emits
		if it.deadLetter != nil {
			writes = append(writes[:len(writes):len(writes)], *it.deadLetter)
		}
		args = append(args, ack, id, rec, guard, len(writes))
		for _, w := range writes {
			args = append(args, keyIndex(w.Stream), len(w.Fields)*2)
			for k, v := range w.Fields {
				args = append(args, k, v)
			}
		}
	}
	return commitScript.Run(ctx, c.rdb, keys, args...).Err()
}
