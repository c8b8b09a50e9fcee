package rdb

import (
	"context"
	"fmt"
	"slices"
)

// clusterCommit is Commit on a Redis Cluster, where a script may touch one
// slot only. Each item is committed in the slot of its entry's stream (its
// home), where its record, its ack, its lease and its writes to the same
// slot go together in one atomic run of commit.lua, one run per home slot.
// A write to another slot (an emit about an entity of another partition, a
// dead letter, whose stream dlq:<function> has a slot of its own) goes
// first, in item order, with a run of commit.lua in its own slot that
// guards it by a record there (WriteGuard, or the dead letter's guard):
// written once however often the item is committed, before the item's
// home commit. So a crash between the two leaves the entry pending; it is
// run again and its writes elsewhere are not repeated (effectively once,
// by a deterministic guard), while everything in the home slot stays
// exactly once. With Records.Replication, the entry's commit waits until
// its writes elsewhere are on the replicas asked for. Such a write is not fenced: a former owner's run may have
// written it, and the new owner's run then finds it guarded.
func (d *Records) clusterCommit(ctx context.Context, consumer string, maxValues int, items []CommitItem) ([]int, error) {
	home := make([]CommitItem, len(items))
	var remote []CommitItem
	for i := range items {
		it := items[i]
		slot := Slot(d.Prefix(it.Stream))
		if it.Lease != "" && Slot(it.Lease) != slot {
			return nil, fmt.Errorf("commit: the lease %s is not in the slot of the stream %s", it.Lease, it.Stream)
		}
		var local []Write
		for n, w := range it.Emits {
			if Slot(w.Stream) == slot {
				local = append(local, w)
				continue
			}
			remote = append(remote, CommitItem{Stream: w.Stream, Emits: []Write{w},
				guardField: WriteGuard(it.EventID, w.Stream, n)})
		}
		guard := it.guard() // before the emits move: it records the event
		it.Emits = local
		if dl := it.DeadLetter; dl != nil && Slot(dl.Stream) != slot {
			remote = append(remote, CommitItem{Stream: dl.Stream, Emits: []Write{*dl}, guardField: it.DeadLetterGuard})
			it.DeadLetter = nil
		}
		if it.Record || len(it.Emits) > 0 || it.DeadLetter != nil {
			it.guardField = guard
		}
		home[i] = it
	}
	// Writes elsewhere first, one run per slot, in item order within it.
	for _, at := range bySlot(d, remote) {
		_, err := d.run(ctx, consumer, maxValues, remote, at)
		if IsShort(err) {
			// Not wrapped: a write elsewhere that its replicas do not have
			// yet would be lost, with its entry acked, if its master
			// failed; so the entry's own commit waits, and the group is
			// retried (the guarded write is set again, which WAITs anew).
			return nil, fmt.Errorf("commit to another slot: %v", err)
		}
		if err != nil {
			return nil, fmt.Errorf("commit to another slot: %w", err)
		}
	}
	var fenced []int
	var short error
	for _, at := range bySlot(d, home) {
		f, err := d.run(ctx, consumer, maxValues, home, at)
		if IsShort(err) {
			short, err = err, nil
		}
		if err != nil {
			return nil, err
		}
		fenced = append(fenced, f...)
	}
	slices.Sort(fenced)
	return fenced, short
}

// bySlot groups the indexes of items by the slot of their records (their
// stream's), keeping their order within each group; groups come in the
// order of their first item.
func bySlot(d *Records, items []CommitItem) [][]int {
	var order []int
	groups := map[int][]int{}
	for i := range items {
		s := Slot(d.Prefix(items[i].Stream))
		if _, ok := groups[s]; !ok {
			order = append(order, s)
		}
		groups[s] = append(groups[s], i)
	}
	out := make([][]int, len(order))
	for i, s := range order {
		out[i] = groups[s]
	}
	return out
}
