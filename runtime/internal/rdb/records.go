package rdb

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/redis/go-redis/v9"
)

// Shards is the number of hashes a window's records are spread over, by
// the first byte of their fingerprint: each holds 1/16 of the window, so
// that no single key grows without bound with the event rate (a hash is
// freed in one go when it expires, and Redis does nothing else meanwhile
// unless lazyfree-lazy-expire is on).
const Shards = 16

// Records is the idempotency store of one function. A completed event is
// recorded in the hash slot of the stream it was read from, so that its
// record, its ack and its emits to that slot are one script on a Redis
// Cluster too: fields of Shards hashes per time window of length TTL,
// fn:{<tag>}:<function>:done:<window>:<shard>, <tag> being the stream's
// hash tag (p<p> for partition p of a family, see package partition) or
// its whole name when it has none. A window's hashes expire two windows
// after it opens; so a record lives at least TTL and at most 2·TTL.
// Windows are counted by Redis's clock (TIME, inside the scripts), never
// by the instance's, so instances whose clocks disagree file and find
// records alike; a lookup reads windows w-1, w and w+1, which also covers
// a Redis clock that moved by up to a window (a failover). One script run
// checks or records a whole batch (one per slot on a Cluster). The field
// is not the event id itself but its first 12 bytes of SHA-256 (a 96-bit
// fingerprint: a false "done" needs two of the same function's events in
// nearby windows to collide, about 1 in 10^11 at a billion events), which
// keeps a record near 60 bytes whatever the ids look like.
//
// Records of earlier versions, filed per function in
// fn:{<function>}:done:… (LegacyDoneKeyPrefix), are still consulted on a
// single node when DetectLegacy found some, so that an upgrade or a
// migration to partitions runs nothing twice.
type Records struct {
	client   redis.UniversalClient
	function string
	ttl      time.Duration
	cluster  bool
	legacy   atomic.Bool
	// prefix caches Prefix per stream (a function reads few streams).
	prefix sync.Map
	// Now, when set, replaces Redis's clock (tests of clock skew).
	Now func() time.Time
	// Replication is how many replicas each commit waits for (WAIT).
	Replication Replication
}

// NewRecords returns the records of function, kept at least ttl.
func (r *RDB) NewRecords(function string, ttl time.Duration) *Records {
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	return &Records{client: r.client, function: function, ttl: ttl, cluster: IsCluster(r.client)}
}

// Function is the function whose records these are (its consumer group).
func (d *Records) Function() string { return d.function }

// Prefix starts the names of the hashes that record the events read from
// stream (see DoneKeyPrefix).
func (d *Records) Prefix(stream string) string {
	if p, ok := d.prefix.Load(stream); ok {
		return p.(string)
	}
	p := DoneKeyPrefix(d.function, stream)
	d.prefix.Store(stream, p)
	return p
}

// Key returns the hash that holds field in window for events of stream
// (as the scripts name it).
func (d *Records) Key(stream string, window int64, field string) string {
	return DoneKey(d.function, stream, window, int(field[0])%Shards)
}

// RecordFieldLen is the length of a record field: the first bytes of
// the SHA-256 of the event id (FIELD of records.lua, the scripts'
// prelude, which cuts packed fields at it).
const RecordFieldLen = 12

// RecordField is the hash field that records eventID.
func RecordField(eventID string) string { return string(appendRecordField(nil, eventID)) }

// appendRecordField appends RecordField(eventID) to dst without a string
// of its own.
func appendRecordField(dst []byte, eventID string) []byte {
	// Sum256 only reads its argument: it may alias the string's bytes.
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(eventID), len(eventID)))
	return append(dst, sum[:RecordFieldLen]...)
}

// DeadLetterGuard is the record field that marks a dead letter as
// written: one per original entry and attempt, so that a commit retried
// after a lost reply writes it once, while the same event failing again
// at a later attempt (a replay) is a new dead letter.
func DeadLetterGuard(stream, entryID, attempts string) string {
	return RecordField("\x00dlq\x00" + stream + "\x00" + entryID + "\x00" + attempts)
}

// WriteGuard is the record field that marks write n of an invocation of
// eventID as written to another slot than its entry's (see Commit): the
// same invocation committed again writes it once.
func WriteGuard(eventID, stream string, n int) string {
	return RecordField("\x00write\x00" + eventID + "\x00" + stream + "\x00" + strconv.Itoa(n))
}

// DetectLegacy looks for records of earlier versions (filed per function,
// LegacyDoneKeyPrefix) in the windows a lookup reads now; if there are
// some, every lookup and commit guard consults them too from now on. On a
// Cluster it does nothing: they are in another slot than any stream's.
func (d *Records) DetectLegacy(ctx context.Context) error {
	if d.cluster {
		return nil
	}
	t, err := d.client.Time(ctx).Result()
	if err != nil {
		return fmt.Errorf("legacy idempotency records: TIME: %w", err)
	}
	w := t.UnixMilli() / d.ttl.Milliseconds()
	var keys []string
	for window := w - 1; window <= w+1; window++ {
		for s := range Shards {
			keys = append(keys, LegacyDoneKeyPrefix(d.function)+strconv.FormatInt(window, 10)+":"+strconv.Itoa(s))
		}
	}
	n, err := d.client.Exists(ctx, keys...).Result()
	if err != nil {
		return fmt.Errorf("legacy idempotency records: EXISTS: %w", err)
	}
	d.legacy.Store(n > 0)
	return nil
}

// prefixes is the table of record prefixes of one script run, in the
// order of their first use; the scripts refer to a prefix by its index.
type prefixes struct {
	list  []string
	index map[string]int
}

// of returns the (1-based) index of the records of stream.
func (p *prefixes) of(d *Records, stream string) int {
	pfx := d.Prefix(stream)
	if i, ok := p.index[pfx]; ok {
		return i
	}
	if p.index == nil {
		p.index = map[string]int{}
	}
	p.list = append(p.list, pfx)
	p.index[pfx] = len(p.list)
	return len(p.list)
}

// scriptArgs returns the ARGV every records script starts with (see
// records.lua) for the prefixes pfx.
func (d *Records) scriptArgs(pfx []string) []any {
	now := ""
	if d.Now != nil {
		now = strconv.FormatInt(d.Now().UnixMilli(), 10)
	}
	legacy := ""
	if d.legacy.Load() {
		legacy = LegacyDoneKeyPrefix(d.function)
	}
	args := make([]any, 0, 5+len(pfx))
	args = append(args, d.ttl.Milliseconds(), Shards, now, legacy, len(pfx))
	for _, p := range pfx {
		args = append(args, p)
	}
	return args
}
