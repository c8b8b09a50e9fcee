package rdb

import (
	"context"
	"fmt"
	"strings"

	"github.com/ordershop/functions/runtime/internal/streamid"
	"github.com/redis/go-redis/v9"
)

// Write is one XADD of a commit: an emitted event or a dead letter.
type Write struct {
	Stream string
	Fields map[string]string
}

// CommitItem is the settled fate of one invocation as the commit script
// writes it: the events it emitted, its idempotency record, a dead letter,
// and the ack of its stream entry, any of which may be absent.
type CommitItem struct {
	Stream, ID string // the entry
	Ack        bool   // XACK the entry
	EventID    string // the invocation's event id
	Record     bool   // record EventID as done
	Emits      []Write
	DeadLetter *Write
	// DeadLetterGuard is the record that guards DeadLetter when the item
	// records nothing else (see DeadLetterGuard).
	DeadLetterGuard string
	// Lease and Token, when set, are the partition lease the invocation
	// ran under and its token then: the item is written only while that
	// token still holds the lease (fencing of a former owner).
	Lease, Token string

	// guardField, when set, is the item's guard in place of the one its
	// other fields give (a write to another slot, see clusterCommit).
	guardField string
}

// guard is the record field the item sets, which also guards its writes.
func (it *CommitItem) guard() string {
	switch {
	case it.guardField != "":
		return it.guardField
	case it.Record || len(it.Emits) > 0:
		return RecordField(it.EventID)
	case it.DeadLetter != nil:
		return it.DeadLetterGuard
	}
	return ""
}

// writes lists the item's XADDs: its emits, then its dead letter.
func (it *CommitItem) writes() []Write {
	w := it.Emits
	if it.DeadLetter != nil {
		w = append(w[:len(w):len(w)], *it.DeadLetter)
	}
	return w
}

// Commit writes items, settled by consumer of the records' function, with
// one run of commit.lua: atomically, all-or-nothing, each write guarded by
// a record, and fenced (an item whose entry is now pending to another
// consumer, or whose partition lease has passed on, writes nothing).
// maxValues bounds the field names and values of one write. It returns the
// indexes of the fenced items. An error the script raised before writing
// (IsRefused) will not pass on a retry.
//
// On a Redis Cluster a script keeps to one slot, so Commit runs one per
// slot of the items' entries (see clusterCommit): each is atomic, and a
// write to another slot than its entry's goes first, guarded there.
//
// With d.Replication, every run is followed by WAIT on its connection;
// when fewer replicas than asked for acknowledged the commit in time,
// Commit returns the fenced items and a ShortError: it is written on the
// master (a failover may lose it, and its entries are then redelivered).
func (d *Records) Commit(ctx context.Context, consumer string, maxValues int, items []CommitItem) (fenced []int, err error) {
	if d.cluster {
		return d.clusterCommit(ctx, consumer, maxValues, items)
	}
	all := make([]int, len(items))
	for i := range all {
		all[i] = i
	}
	return d.run(ctx, consumer, maxValues, items, all)
}

// run writes items[at] with one run of commit.lua and returns the indexes
// (into items) of the fenced ones.
func (d *Records) run(ctx context.Context, consumer string, maxValues int, items []CommitItem, at []int) ([]int, error) {
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
	var tab prefixes
	pfx := make([]int, len(at))
	for j, i := range at {
		pfx[j] = tab.of(d, items[i].Stream)
	}
	// The id range of each stream's entries, for the script's one
	// ownership check per stream.
	type idRange struct{ lo, hi string }
	ranges := map[int]*idRange{}
	for _, i := range at {
		it := &items[i]
		if !it.Ack {
			continue
		}
		k := keyIndex(it.Stream)
		switch r := ranges[k]; {
		case r == nil:
			ranges[k] = &idRange{it.ID, it.ID}
		case streamid.CompareStrings(it.ID, r.lo) < 0:
			r.lo = it.ID
		case streamid.CompareStrings(it.ID, r.hi) > 0:
			r.hi = it.ID
		}
	}
	args := append(d.scriptArgs(tab.list), d.function, consumer, maxValues, len(ranges))
	for k, r := range ranges {
		args = append(args, k, r.lo, r.hi)
	}
	// An item that only acks and records (no write) goes in a compact run
	// with its neighbours of the same stream, prefix, lease and token (and
	// recording or not): a run is eight arguments whatever its length,
	// instead of seven an item (see commit.lua).
	var runs []*compactRun
	var open *compactRun // the run the next item may join
	for j, i := range at {
		it := &items[i]
		ack, id := 0, ""
		if it.Ack {
			ack, id = keyIndex(it.Stream), it.ID
		}
		writes := it.writes()
		lease := 0
		if it.Lease != "" {
			lease = keyIndex(it.Lease)
		}
		if it.Ack && len(writes) == 0 {
			key := runKey{ack, pfx[j], lease, it.Token, it.guardField != "" || it.Record}
			if open == nil || key != open.key {
				open = &compactRun{key: key}
				runs = append(runs, open)
				args = append(args, "c", ack, pfx[j], lease, it.Token, nil, nil, nil)
				open.at = len(args) - 3
			}
			open.add(id, it)
			continue
		}
		open = nil
		args = append(args, ack, id, pfx[j], it.guard(), lease, it.Token, len(writes))
		for _, w := range writes {
			args = append(args, keyIndex(w.Stream), len(w.Fields)*2)
			for k, v := range w.Fields {
				args = append(args, k, v)
			}
		}
	}
	for _, r := range runs {
		args[r.at], args[r.at+1], args[r.at+2] = r.m, r.ids.String(), r.recs
	}
	if len(keys) == 0 {
		keys = append(keys, tab.list[0]) // routing on a Cluster
	}
	res, short, err := d.exec(ctx, keys, args)
	if err != nil {
		return nil, fmt.Errorf("commit script: %w", err)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("commit script: empty reply")
	}
	var fenced []int
	for _, k := range res[1:] {
		if k >= 1 && int(k) <= len(at) {
			fenced = append(fenced, at[k-1])
		}
	}
	return fenced, short
}

// runKey is what the items of one compact run share: the stream index,
// the record prefix, the lease index and token, and whether they record.
type runKey struct {
	ack, pfx, lease int
	token           string
	records         bool
}

// compactRun gathers the items of one compact run of commit.lua: their
// entry ids separated by spaces, and their record fields packed
// (RecordFieldLen bytes each), two arguments a run instead of two an item.
type compactRun struct {
	key  runKey
	at   int // index in args of the run's count
	m    int
	ids  strings.Builder
	recs []byte
}

// add appends item it, of entry id (it acks and writes nothing, so its
// guard is its guardField or its own record).
func (r *compactRun) add(id string, it *CommitItem) {
	if r.m > 0 {
		r.ids.WriteByte(' ')
	}
	r.ids.WriteString(id)
	switch {
	case it.guardField != "":
		r.recs = append(r.recs, it.guardField...)
	case it.Record:
		r.recs = appendRecordField(r.recs, it.EventID)
	}
	r.m++
}

// exec runs commit.lua, then WAITs for the replicas d.Replication asks
// for; short is a ShortError when fewer acknowledged the write in time.
func (d *Records) exec(ctx context.Context, keys []string, args []any) (res []int64, short, err error) {
	if d.Replication.Replicas <= 0 {
		res, err = commitScript.Run(ctx, d.client, keys, args...).Int64Slice()
		return res, nil, err
	}
	v, err := runReplicated(ctx, d.client, d.Replication, commitScript, keys, args...)
	if err != nil && !IsShort(err) {
		return nil, nil, err
	}
	short = err
	res, cerr := redis.NewCmdResult(v, nil).Int64Slice()
	if cerr != nil {
		return nil, nil, cerr
	}
	return res, short, nil
}

// IsRefused reports whether the commit script refused a group for a
// reason that retrying the same group cannot fix (a write over the limit,
// an emit to a key that is not a stream). The script raises those before
// its first write, so nothing of the group was written.
func IsRefused(err error) bool { return hasPrefix(err, "commit:") }
