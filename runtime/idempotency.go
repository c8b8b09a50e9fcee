package runtime

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// doneShards is the number of hashes a window's records are spread over,
// by the first byte of their fingerprint: each holds 1/16 of the window,
// so that no single key grows without bound with the event rate (a hash
// is freed in one go when it expires, and Redis does nothing else
// meanwhile unless lazyfree-lazy-expire is on).
const doneShards = 16

// doneRecords is the idempotency store of one function. Completed events
// are fields of doneShards hashes per time window of length TTL,
// fn:{<function>}:done:<window>:<shard>, which expire two windows after the
// window opens; so a record lives at least TTL and at most 2·TTL. Windows
// are counted by Redis's clock (TIME, inside commit.lua and lookup.lua),
// never by the instance's, so instances whose clocks disagree file and
// find records alike; a lookup reads windows w-1, w and w+1, which also
// covers a Redis clock that moved by up to a window (a failover). One
// script run checks or records a whole batch. The field is not the event
// id itself but its first 12 bytes of SHA-256 (a 96-bit fingerprint: a
// false "done" needs two of the same function's events in nearby windows
// to collide, about 1 in 10^11 at a billion events), which keeps a record
// near 60 bytes whatever the ids look like.
type doneRecords struct {
	rdb      redis.UniversalClient
	function string
	ttl      time.Duration
	// now, when set, replaces Redis's clock (tests of clock skew).
	now func() time.Time
}

//go:embed lookup.lua
var lookupSource string

// lookupScript reports which record fields exist; see lookup.lua.
var lookupScript = redis.NewScript(lookupSource)

func newDoneRecords(rdb redis.UniversalClient, function string, ttl time.Duration) *doneRecords {
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	return &doneRecords{rdb: rdb, function: function, ttl: ttl}
}

// scriptArgs returns the ARGV both scripts start with: the hashes'
// prefix, the window length, the shard count and the clock override.
func (d *doneRecords) scriptArgs() []any {
	now := ""
	if d.now != nil {
		now = strconv.FormatInt(d.now().UnixMilli(), 10)
	}
	return []any{DoneKeyPrefix(d.function), d.ttl.Milliseconds(), doneShards, now}
}

// key returns the hash that holds field in window (as the scripts name it).
func (d *doneRecords) key(window int64, field string) string {
	return DoneKey(d.function, window, int(field[0])%doneShards)
}

// recordField is the hash field that records eventID.
func recordField(eventID string) string {
	sum := sha256.Sum256([]byte(eventID))
	return string(sum[:12])
}

// done reports which event ids have a record, in one round trip.
func (d *doneRecords) done(ctx context.Context, eventIDs []string) ([]bool, error) {
	res, err := lookupScript.Run(ctx, d.rdb, nil, d.lookupArgs(eventIDs)...).Int64Slice()
	return d.result(eventIDs, res, err)
}

// queueDone adds the lookup of eventIDs to pipe; after pipe.Exec, the
// returned func reports which have a record. In a pipeline the script goes
// by its hash alone: when Redis does not know it yet (NOSCRIPT), the
// lookup fails and the caller looks up with done, which loads it.
func (d *doneRecords) queueDone(ctx context.Context, pipe redis.Pipeliner, eventIDs []string) func() ([]bool, error) {
	cmd := pipe.EvalSha(ctx, lookupScript.Hash(), nil, d.lookupArgs(eventIDs)...)
	return func() ([]bool, error) {
		res, err := cmd.Int64Slice()
		return d.result(eventIDs, res, err)
	}
}

func (d *doneRecords) lookupArgs(eventIDs []string) []any {
	args := d.scriptArgs()
	for _, id := range eventIDs {
		f := ""
		if id != "" {
			f = recordField(id)
		}
		args = append(args, f)
	}
	return args
}

func (d *doneRecords) result(eventIDs []string, res []int64, err error) ([]bool, error) {
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
