package runtime

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// doneRecords is the idempotency store of one function. Completed events
// are fields of a hash per time window of length TTL,
// fn:{<function>}:done:<window>, which expires two windows after it opens;
// so a record lives at least TTL and at most 2·TTL. A lookup reads the
// current and the previous window. Hashes let a whole batch be checked with
// one HMGET per window and recorded with one HSET, instead of a command per
// event, and cost less memory per record than a key each. The field is not
// the event id itself but its first 12 bytes of SHA-256 (a 96-bit
// fingerprint: a false "done" needs two of the same function's events in
// two windows to collide, about 1 in 10^11 at a billion events), which
// keeps a record near 60 bytes whatever the ids look like.
type doneRecords struct {
	rdb      redis.UniversalClient
	function string
	ttl      time.Duration
	now      func() time.Time
}

func newDoneRecords(rdb redis.UniversalClient, function string, ttl time.Duration) *doneRecords {
	if ttl < time.Millisecond {
		ttl = time.Millisecond
	}
	return &doneRecords{rdb: rdb, function: function, ttl: ttl, now: time.Now}
}

// window is the number of the TTL-long window t falls in.
func (d *doneRecords) window(t time.Time) int64 { return t.UnixMilli() / d.ttl.Milliseconds() }

func (d *doneRecords) key(window int64) string {
	return DoneKeyPrefix(d.function) + strconv.FormatInt(window, 10)
}

// keys returns the current and the previous window's hash, and the time
// (Unix ms) at which the current one is to expire.
func (d *doneRecords) keys() (cur, prev string, expireAtMs int64) {
	w := d.window(d.now())
	return d.key(w), d.key(w - 1), (w + 2) * d.ttl.Milliseconds()
}

// recordField is the hash field that records eventID.
func recordField(eventID string) string {
	sum := sha256.Sum256([]byte(eventID))
	return string(sum[:12])
}

// done reports which event ids have a record, in one round trip.
func (d *doneRecords) done(ctx context.Context, eventIDs []string) ([]bool, error) {
	pipe := d.rdb.Pipeline()
	result := d.queueDone(ctx, pipe, eventIDs)
	_, _ = pipe.Exec(ctx)
	return result()
}

// queueDone adds the lookup of eventIDs to pipe; after pipe.Exec, the
// returned func reports which have a record.
func (d *doneRecords) queueDone(ctx context.Context, pipe redis.Pipeliner, eventIDs []string) func() ([]bool, error) {
	cur, prev, _ := d.keys()
	fields := make([]string, len(eventIDs))
	for i, id := range eventIDs {
		fields[i] = recordField(id)
	}
	a := pipe.HMGet(ctx, cur, fields...)
	b := pipe.HMGet(ctx, prev, fields...)
	return func() ([]bool, error) {
		av, aerr := a.Result()
		bv, berr := b.Result()
		if err := errors.Join(aerr, berr); err != nil {
			return nil, fmt.Errorf("idempotency lookup: %w", err)
		}
		out := make([]bool, len(eventIDs))
		for i := range eventIDs {
			out[i] = (i < len(av) && av[i] != nil) || (i < len(bv) && bv[i] != nil)
		}
		return out, nil
	}
}
