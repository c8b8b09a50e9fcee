package runtime

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// maxCommitGroup bounds how many settled invocations share one MULTI.
const maxCommitGroup = 512

// commitItem is the settled fate of one invocation, written by the
// committer: the events it emitted, its idempotency record, a dead letter,
// and the ack of its stream entry, any of which may be absent.
type commitItem struct {
	stream, id, group string // the entry; group is the function
	ack               bool   // XACK stream group id
	doneKey           string // SET doneKey 1 EX ttl, when not empty
	emits             []Emit // XADDed unless doneKey already exists
	deadLetter        *Emit  // XADDed to the dead-letter stream
	done              func(error)
}

// committer writes settled invocations in groups (group commit): whatever
// has queued up while the previous group was written goes into one
// MULTI/EXEC. Within it, every item's emits, idempotency record, dead letter
// and ack are written together, so no event is emitted without its ack nor
// acked without its events.
//
// Emitting items are guarded by WATCH on their idempotency records: if a
// record already exists (a concurrent or earlier run of the same event
// committed), that item's emits are dropped and it is only acked. A group
// whose EXEC failed is retried with backoff until it succeeds or the
// committer is shut down; its entries then stay pending.
type committer struct {
	rdb    redis.UniversalClient
	logger *zap.Logger
	ttl    time.Duration

	in     chan *commitItem
	stopCh chan struct{}
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

func newCommitter(rdb redis.UniversalClient, logger *zap.Logger, ttl time.Duration) *committer {
	ctx, cancel := context.WithCancel(context.Background())
	return &committer{
		rdb: rdb, logger: logger.Named("committer"), ttl: ttl,
		in: make(chan *commitItem, maxCommitGroup*4), stopCh: make(chan struct{}),
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

// submit queues an item; its done func is called once it is written or
// given up.
func (c *committer) submit(it *commitItem) { c.in <- it }

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
	group := make([]*commitItem, 0, maxCommitGroup)
	for {
		group = group[:0]
		select {
		case it := <-c.in:
			group = append(group, it)
		case <-c.stopCh:
			// Flush what is left, then stop.
			for {
				select {
				case it := <-c.in:
					group = append(group, it)
					if len(group) == maxCommitGroup {
						c.write(group)
						group = group[:0]
					}
					continue
				default:
				}
				break
			}
			if len(group) > 0 {
				c.write(group)
			}
			return
		}
	fill:
		for len(group) < maxCommitGroup {
			select {
			case it := <-c.in:
				group = append(group, it)
			default:
				break fill
			}
		}
		c.write(group)
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
		c.logger.Warn("commit failed: retrying", zap.Int("items", len(group)), zap.Error(err))
		if !b.wait(c.ctx) {
			break
		}
	}
	if err != nil {
		c.logger.Error("commit given up: entries stay pending for redelivery", zap.Int("items", len(group)), zap.Error(err))
	}
	for _, it := range group {
		if it.done != nil {
			it.done(err)
		}
	}
}

// exec writes group in one MULTI/EXEC, under WATCH when it emits.
func (c *committer) exec(ctx context.Context, group []*commitItem) error {
	var watch []string
	for _, it := range group {
		if len(it.emits) > 0 && it.doneKey != "" {
			watch = append(watch, it.doneKey)
		}
	}
	if len(watch) == 0 {
		_, err := c.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			c.queue(ctx, p, group, nil)
			return nil
		})
		return err
	}
	for {
		err := c.rdb.Watch(ctx, func(tx *redis.Tx) error {
			already, err := existing(ctx, tx, watch)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				c.queue(ctx, p, group, already)
				return nil
			})
			return err
		}, watch...)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
		// A watched record changed: re-read and try again.
	}
}

// existing returns which of keys exist, in one round trip.
func existing(ctx context.Context, tx *redis.Tx, keys []string) (map[string]bool, error) {
	cmds := make([]*redis.IntCmd, len(keys))
	_, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Exists(ctx, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for i, k := range keys {
		if cmds[i].Val() > 0 {
			out[k] = true
		}
	}
	return out, nil
}

// queue adds the group's writes to p; acks are batched per stream.
func (c *committer) queue(ctx context.Context, p redis.Pipeliner, group []*commitItem, already map[string]bool) {
	type streamGroup struct{ stream, group string }
	var acks map[streamGroup][]string
	for _, it := range group {
		if !already[it.doneKey] {
			for _, e := range it.emits {
				p.XAdd(ctx, &redis.XAddArgs{Stream: e.Stream, Values: e.Fields})
			}
		}
		if it.deadLetter != nil {
			p.XAdd(ctx, &redis.XAddArgs{Stream: it.deadLetter.Stream, Values: it.deadLetter.Fields})
		}
		if it.doneKey != "" {
			p.Set(ctx, it.doneKey, "1", c.ttl)
		}
		if it.ack {
			if acks == nil {
				acks = map[streamGroup][]string{}
			}
			k := streamGroup{it.stream, it.group}
			acks[k] = append(acks[k], it.id)
		}
	}
	for k, ids := range acks {
		p.XAck(ctx, k.stream, k.group, ids...)
	}
}
