package history

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store keeps the samples in Redis, one stream per function,
// bounded in entries (XADD MAXLEN = window/every + 1, exact) and in time
// (XTRIM MINID drops samples older than the window; the key expires two
// windows after its last sample, so a function that is gone leaves
// nothing behind). Each entry's id is its sample's time.
type Store struct {
	cfg Config
	rdb redis.UniversalClient
}

// NewStore keeps the history as cfg says in rdb.
func NewStore(cfg Config, rdb redis.UniversalClient) Store { return Store{cfg: cfg, rdb: rdb} }

// Config is how the history is kept.
func (s Store) Config() Config { return s.cfg }

// named is a function's sample.
type named struct {
	function string
	sample   sample
}

// claim reports whether this process samples the round that at falls in:
// the first of the dashboards on one Redis to SET the round's key wins,
// so several dashboards write one sample per interval between them.
func (s Store) claim(ctx context.Context, at time.Time) (bool, error) {
	bucket := at.UnixNano() / int64(s.cfg.Every)
	ok, err := s.rdb.SetNX(ctx, s.cfg.tickKey(bucket), 1, 2*s.cfg.Every).Result()
	if err != nil {
		return false, fmt.Errorf("claim sampling round %d: %w", bucket, err)
	}
	return ok, nil
}

// append writes each sample with its time as the entry id (ms-0) and
// trims every stream to the window. A sample not newer than its stream's
// newest (the round is there already, or another dashboard's clock is
// ahead) is left out: a round is written once however many dashboards
// sample it.
func (s Store) append(ctx context.Context, at time.Time, samples []named) error {
	if len(samples) == 0 {
		return nil
	}
	ms := at.UnixMilli()
	oldest := itoa(ms-s.cfg.Window.Milliseconds()) + "-0"
	pipe := s.rdb.Pipeline()
	for _, n := range samples {
		key := s.cfg.functionKey(n.function)
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: key, ID: itoa(ms) + "-0", MaxLen: s.cfg.MaxSamples(), Values: n.sample.values()})
		pipe.XTrimMinID(ctx, key, oldest)
		pipe.PExpire(ctx, key, 2*s.cfg.Window)
	}
	cmds, err := pipe.Exec(ctx)
	if err == nil {
		return nil
	}
	for _, c := range cmds {
		if e := c.Err(); e != nil && !isStaleID(e) {
			return fmt.Errorf("history: %s %v: %w", c.Name(), c.Args()[1], e)
		}
	}
	return nil
}

// isStaleID reports whether XADD refused an id not after the stream's
// newest.
func isStaleID(err error) bool {
	return err != nil && strings.Contains(err.Error(), "equal or smaller than the target stream top item")
}

// window reads function's samples of the window that ends at now, oldest
// first.
func (s Store) window(ctx context.Context, function string, now time.Time) ([]sample, error) {
	key := s.cfg.functionKey(function)
	xs, err := s.rdb.XRange(ctx, key, itoa(now.Add(-s.cfg.Window).UnixMilli()), "+").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("XRANGE %s: %w", key, err)
	}
	out := make([]sample, 0, len(xs))
	for _, x := range xs {
		out = append(out, parseSample(x))
	}
	return out, nil
}

// latest reads the last two samples of each function, oldest first.
func (s Store) latest(ctx context.Context, functions []string) (map[string][]sample, error) {
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(functions))
	for i, fn := range functions {
		cmds[i] = pipe.XRevRangeN(ctx, s.cfg.functionKey(fn), "+", "-", 2)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("latest samples of %d functions: %w", len(functions), err)
	}
	out := make(map[string][]sample, len(functions))
	for i, fn := range functions {
		xs := cmds[i].Val()
		ss := make([]sample, len(xs))
		for j, x := range xs {
			ss[len(xs)-1-j] = parseSample(x)
		}
		out[fn] = ss
	}
	return out, nil
}
