package rdb

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Shards is the number of hashes a window's records are spread over, by
// the first byte of their fingerprint: each holds 1/16 of the window, so
// that no single key grows without bound with the event rate (a hash is
// freed in one go when it expires, and Redis does nothing else meanwhile
// unless lazyfree-lazy-expire is on).
const Shards = 16

// Records is the idempotency store of one function. Completed events are
// fields of Shards hashes per time window of length TTL,
// fn:{<function>}:done:<window>:<shard>, which expire two windows after the
// window opens; so a record lives at least TTL and at most 2·TTL. Windows
// are counted by Redis's clock (TIME, inside the scripts), never by the
// instance's, so instances whose clocks disagree file and find records
// alike; a lookup reads windows w-1, w and w+1, which also covers a Redis
// clock that moved by up to a window (a failover). One script run checks
// or records a whole batch. The field is not the event id itself but its
// first 12 bytes of SHA-256 (a 96-bit fingerprint: a false "done" needs two
// of the same function's events in nearby windows to collide, about 1 in
// 10^11 at a billion events), which keeps a record near 60 bytes whatever
// the ids look like.
type Records struct {
	client   redis.UniversalClient
	function string
	ttl      time.Duration
	// Now, when set, replaces Redis's clock (tests of clock skew).
	Now func() time.Time
}

// NewRecords returns the records of function, kept at least ttl.
func (r *RDB) NewRecords(function string, ttl time.Duration) *Records {
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	return &Records{client: r.client, function: function, ttl: ttl}
}

// Function is the function whose records these are (its consumer group).
func (d *Records) Function() string { return d.function }

// scriptArgs returns the ARGV both scripts start with (see records.lua).
func (d *Records) scriptArgs() []any {
	now := ""
	if d.Now != nil {
		now = strconv.FormatInt(d.Now().UnixMilli(), 10)
	}
	return []any{DoneKeyPrefix(d.function), d.ttl.Milliseconds(), Shards, now}
}

// Key returns the hash that holds field in window (as the scripts name it).
func (d *Records) Key(window int64, field string) string {
	return DoneKey(d.function, window, int(field[0])%Shards)
}

// RecordField is the hash field that records eventID.
func RecordField(eventID string) string {
	sum := sha256.Sum256([]byte(eventID))
	return string(sum[:12])
}

// DeadLetterGuard is the record field that marks a dead letter as
// written: one per original entry and attempt, so that a commit retried
// after a lost reply writes it once, while the same event failing again
// at a later attempt (a replay) is a new dead letter.
func DeadLetterGuard(stream, entryID, attempts string) string {
	return RecordField("\x00dlq\x00" + stream + "\x00" + entryID + "\x00" + attempts)
}

// Done reports which event ids have a record, in one round trip.
func (d *Records) Done(ctx context.Context, eventIDs []string) ([]bool, error) {
	res, err := lookupScript.Run(ctx, d.client, nil, d.lookupArgs(eventIDs)...).Int64Slice()
	return d.result(eventIDs, res, err)
}

// QueueDone adds the lookup of eventIDs to pipe; after pipe.Exec, the
// returned func reports which have a record. In a pipeline the script goes
// by its hash alone: when Redis does not know it yet (NOSCRIPT), the
// lookup fails and the caller looks up with Done, which loads it.
func (d *Records) QueueDone(ctx context.Context, pipe redis.Pipeliner, eventIDs []string) func() ([]bool, error) {
	cmd := pipe.EvalSha(ctx, lookupScript.Hash(), nil, d.lookupArgs(eventIDs)...)
	return func() ([]bool, error) {
		res, err := cmd.Int64Slice()
		return d.result(eventIDs, res, err)
	}
}

func (d *Records) lookupArgs(eventIDs []string) []any {
	args := d.scriptArgs()
	for _, id := range eventIDs {
		f := ""
		if id != "" {
			f = RecordField(id)
		}
		args = append(args, f)
	}
	return args
}

func (d *Records) result(eventIDs []string, res []int64, err error) ([]bool, error) {
	if err != nil {
		return nil, fmt.Errorf("idempotency lookup: %w", err)
	}
	if len(res) != len(eventIDs) {
		return nil, fmt.Errorf("idempotency lookup: %d answers for %d events", len(res), len(eventIDs))
	}
	out := make([]bool, len(eventIDs))
	for i, v := range res {
		out[i] = v == 1
	}
	return out, nil
}
