package rdb

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Barrier makes sure that what handlers wrote to Redis themselves (not
// through a commit: a read model, a reservation) is on the replicas that
// Replication asks for before their invocations count as done: Redis
// replicates asynchronously, so a master that fails after the entry's
// commit but before its replicas have the handler's write would lose the
// write for good, its entry being acked. A WAIT counts the replicas that
// have everything up to its connection's last write, from any
// connection; so one round of a tiny write and a WAIT on every master
// covers every write made before the round began. Invocations that finish
// meanwhile share the next round (Wait), as commits share a group.
type Barrier struct {
	client redis.UniversalClient
	r      Replication
	key    string // the round's write, on a single node

	mu      sync.Mutex
	next    *round
	running bool

	// keys is, on a Cluster, a key per master address (masterKeys), kept
	// by loop between rounds and looked up again after a round that
	// failed (a failover or a slot move changes the masters).
	keys map[string]string
}

// round is one barrier round and what it found.
type round struct {
	done chan struct{}
	err  error
}

// NewBarrier returns the barrier of function's handlers, or nil when r
// waits for no replica.
func (r *RDB) NewBarrier(function string, repl Replication) *Barrier {
	if repl.Replicas <= 0 {
		return nil
	}
	return &Barrier{client: r.client, r: repl, key: "fn:{" + function + "}:barrier"}
}

// Wait returns once a round that began after it was called has found
// every master's writes on the replicas asked for: nil, a ShortError when
// some master's replicas did not acknowledge in time, or the error of
// Redis or ctx.
func (b *Barrier) Wait(ctx context.Context) error {
	b.mu.Lock()
	if b.next == nil {
		b.next = &round{done: make(chan struct{})}
	}
	r := b.next
	if !b.running {
		b.running = true
		go b.loop()
	}
	b.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loop runs rounds while invocations wait for one.
func (b *Barrier) loop() {
	for {
		b.mu.Lock()
		r := b.next
		b.next = nil
		if r == nil {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), b.r.Timeout+5*time.Second)
		r.err = b.run(ctx)
		cancel()
		if r.err != nil {
			b.keys = nil // the masters may have changed: ask again
		}
		close(r.done)
	}
}

// run is one round: on every master, SET of a key of its own and WAIT,
// pipelined on one connection.
func (b *Barrier) run(ctx context.Context) error {
	cc, ok := b.client.(*redis.ClusterClient)
	if !ok {
		node, err := nodeOf(ctx, b.client, b.key)
		if err != nil {
			return err
		}
		return b.on(ctx, node, b.key)
	}
	if b.keys == nil {
		keys, err := masterKeys(ctx, cc)
		if err != nil {
			return err
		}
		b.keys = keys
	}
	keys := b.keys
	var mu sync.Mutex
	var worst error
	err := cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		key, ok := keys[node.Options().Addr]
		if !ok {
			return fmt.Errorf("barrier: no slot known for master %s", node.Options().Addr)
		}
		if err := b.on(ctx, node, key); err != nil {
			mu.Lock()
			worst = err
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return worst
}

// on writes key on node and WAITs on the same connection.
func (b *Barrier) on(ctx context.Context, node *redis.Client, key string) error {
	pipe := node.Pipeline()
	set := pipe.Set(ctx, key, "1", time.Minute)
	wait := pipe.Do(ctx, "WAIT", b.r.Replicas, b.r.Timeout.Milliseconds())
	_, _ = pipe.Exec(ctx)
	if err := set.Err(); err != nil {
		return fmt.Errorf("barrier on %s: %w", node.Options().Addr, err)
	}
	n, err := wait.Int64()
	if err != nil {
		return fmt.Errorf("barrier on %s: WAIT: %w", node.Options().Addr, err)
	}
	if int(n) < b.r.Replicas {
		return &ShortError{Want: b.r.Replicas, Got: int(n)}
	}
	return nil
}

// masterKeys names, per master address, a key in one of the slots it
// serves now (CLUSTER SLOTS).
func masterKeys(ctx context.Context, cc *redis.ClusterClient) (map[string]string, error) {
	slots, err := cc.ClusterSlots(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("barrier: CLUSTER SLOTS: %w", err)
	}
	out := map[string]string{}
	for _, s := range slots {
		if len(s.Nodes) == 0 {
			continue
		}
		if _, ok := out[s.Nodes[0].Addr]; !ok {
			out[s.Nodes[0].Addr] = "{" + tagOfSlot(s.Start) + "}:fn:barrier"
		}
	}
	return out, nil
}

var (
	slotTagsOnce sync.Once
	slotTags     []string
)

// tagOfSlot returns a hash tag whose slot is slot.
func tagOfSlot(slot int) string {
	slotTagsOnce.Do(func() {
		slotTags = make([]string, SlotCount)
		left := SlotCount
		for i := 0; left > 0; i++ {
			t := strconv.Itoa(i)
			if s := Slot(t); slotTags[s] == "" {
				slotTags[s] = t
				left--
			}
		}
	})
	return slotTags[slot]
}
