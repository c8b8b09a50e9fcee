package redistest

import (
	"context"
	"fmt"
	"time"
)

// Migration is a slot migration under way: the slot is IMPORTING on the
// target and MIGRATING on the source, so clients get ASK redirects for
// the keys already moved. Begin one with BeginMigration, move some keys
// with MoveKeys, end it with Finish; MigrateSlot does all three.
type Migration struct {
	c        *Cluster
	slot     int
	from, to *Node
}

// migrateBatch is how many keys one MIGRATE moves.
const migrateBatch = 100

// MigrateSlot moves slot and its keys to node to, the way redis-cli
// --cluster reshard does, and waits until every node agrees.
func (c *Cluster) MigrateSlot(ctx context.Context, slot int, to *Node) error {
	m, err := c.BeginMigration(ctx, slot, to)
	if err != nil {
		return err
	}
	return m.Finish(ctx)
}

// BeginMigration starts moving slot to node to and stops there, with the
// slot half-way (CLUSTER SETSLOT IMPORTING on to, MIGRATING on its
// master) and no key moved yet: a test pauses a migration this way.
func (c *Cluster) BeginMigration(ctx context.Context, slot int, to *Node) (*Migration, error) {
	from, err := c.MasterOf(ctx, slot)
	if err != nil {
		return nil, err
	}
	if from == to {
		return nil, fmt.Errorf("redistest: slot %d is already on %s", slot, to.Addr())
	}
	if err := to.client().Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", from.ID).Err(); err != nil {
		return nil, fmt.Errorf("redistest: SETSLOT %d IMPORTING on %s: %w", slot, to.Addr(), err)
	}
	if err := from.client().Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", to.ID).Err(); err != nil {
		return nil, fmt.Errorf("redistest: SETSLOT %d MIGRATING on %s: %w", slot, from.Addr(), err)
	}
	return &Migration{c: c, slot: slot, from: from, to: to}, nil
}

// From is the node the slot is moving from.
func (m *Migration) From() *Node { return m.from }

// MoveKeys moves up to limit keys of the slot (all of them if limit <= 0)
// from the source to the target with MIGRATE, and returns how many moved.
func (m *Migration) MoveKeys(ctx context.Context, limit int) (int, error) {
	moved := 0
	for limit <= 0 || moved < limit {
		n := migrateBatch
		if limit > 0 {
			n = min(n, limit-moved)
		}
		keys, err := m.from.client().ClusterGetKeysInSlot(ctx, m.slot, n).Result()
		if err != nil {
			return moved, fmt.Errorf("redistest: GETKEYSINSLOT %d on %s: %w", m.slot, m.from.Addr(), err)
		}
		if len(keys) == 0 {
			return moved, nil
		}
		args := []any{"MIGRATE", "127.0.0.1", m.to.Port, "", 0, 5000}
		if pw := m.c.password(); pw != "" {
			args = append(args, "AUTH", pw)
		}
		args = append(args, "KEYS")
		for _, k := range keys {
			args = append(args, k)
		}
		if err := m.from.client().Do(ctx, args...).Err(); err != nil {
			return moved, fmt.Errorf("redistest: MIGRATE %d keys of slot %d to %s: %w", len(keys), m.slot, m.to.Addr(), err)
		}
		moved += len(keys)
	}
	return moved, nil
}

// Finish moves the keys left, assigns the slot to the target on the
// target, the source and every other master (CLUSTER SETSLOT NODE), and
// waits until every node agrees (WaitHealthy).
func (m *Migration) Finish(ctx context.Context) error {
	if _, err := m.MoveKeys(ctx, 0); err != nil {
		return err
	}
	masters, err := m.c.Masters(ctx)
	if err != nil {
		return err
	}
	order := []*Node{m.to, m.from}
	for _, n := range masters {
		if n != m.to && n != m.from {
			order = append(order, n)
		}
	}
	for _, n := range order {
		if err := n.client().Do(ctx, "CLUSTER", "SETSLOT", m.slot, "NODE", m.to.ID).Err(); err != nil {
			return fmt.Errorf("redistest: SETSLOT %d NODE on %s: %w", m.slot, n.Addr(), err)
		}
	}
	return m.c.WaitHealthy(ctx)
}

// sleepCtx waits a poll interval, or returns ctx's error when it ends.
func sleepCtx(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(20 * time.Millisecond):
		return nil
	}
}
