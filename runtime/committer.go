package runtime

import (
	"context"
	_ "embed"
	"fmt"
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

// commitScript writes a group of settled invocations atomically and
// all-or-nothing; see commit.lua for its KEYS, ARGV and return value.
var commitScript = redis.NewScript(commitSource)

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
	rdb      redis.UniversalClient
	logger   *zap.Logger
	group    string
	consumer string
	records  *doneRecords
	// releaseFn gives back an entry's slot in the pool (set by start).
	releaseFn func(*Message)
	// onFenced, when set, is told of every item skipped because its entry
	// is now pending to another consumer.
	onFenced func(stream, id string)
	// onDeadLettered, when set, is told of every invocation dead-lettered
	// because the script refused its outcome (see writeRefused).
	onDeadLettered func(stream string)

	in     chan []*commitItem
	stopCh chan struct{}
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

func newCommitter(rdb redis.UniversalClient, logger *zap.Logger, group, consumer string, records *doneRecords) *committer {
	ctx, cancel := context.WithCancel(context.Background())
	return &committer{
		rdb: rdb, logger: logger.Named("committer"), group: group, consumer: consumer, records: records,
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

// exec writes group with one run of commitScript, and reports the items
// that were fenced off.
func (c *committer) exec(ctx context.Context, group []*commitItem) error {
	var keys []string
	index := map[string]int{}
	keyIndex := func(stream string) int {
		i, ok := index[stream]
		if !ok {
			keys = append(keys, stream)
			i = len(keys)
			index[stream] = i
		}
		return i
	}
	// The id range of each stream's entries, for the script's one
	// ownership check per stream.
	type idRange struct{ lo, hi string }
	ranges := map[int]*idRange{}
	for _, it := range group {
		if !it.ack {
			continue
		}
		k := keyIndex(it.stream)
		switch r := ranges[k]; {
		case r == nil:
			ranges[k] = &idRange{it.id, it.id}
		case CompareIDs(it.id, r.lo) < 0:
			r.lo = it.id
		case CompareIDs(it.id, r.hi) > 0:
			r.hi = it.id
		}
	}
	args := append(c.records.scriptArgs(), c.group, c.consumer, maxWriteValues, len(ranges))
	for k, r := range ranges {
		args = append(args, k, r.lo, r.hi)
	}
	for _, it := range group {
		ack, id := 0, ""
		if it.ack {
			ack, id = keyIndex(it.stream), it.id
		}
		writes := it.emits
		if it.deadLetter != nil {
			writes = append(writes[:len(writes):len(writes)], *it.deadLetter)
		}
		rec := ""
		switch {
		case it.record || len(it.emits) > 0:
			rec = recordField(it.eventID)
		case it.deadLetter != nil:
			rec = deadLetterGuard(*it.deadLetter)
		}
		args = append(args, ack, id, rec, len(writes))
		for _, w := range writes {
			args = append(args, keyIndex(w.Stream), len(w.Fields)*2)
			for k, v := range w.Fields {
				args = append(args, k, v)
			}
		}
	}
	res, err := commitScript.Run(ctx, c.rdb, keys, args...).Int64Slice()
	if err != nil {
		return fmt.Errorf("commit script: %w", err)
	}
	if len(res) == 0 {
		return fmt.Errorf("commit script: empty reply")
	}
	for _, k := range res[1:] {
		if k < 1 || int(k) > len(group) {
			continue
		}
		it := group[k-1]
		c.logger.Warn("commit fenced: the entry is now pending to another consumer; this run's outcome is not written",
			zap.String("stream", it.stream), zap.String("entry_id", it.id), zap.String("event_id", it.eventID))
		if c.onFenced != nil {
			c.onFenced(it.stream, it.id)
		}
	}
	return nil
}
