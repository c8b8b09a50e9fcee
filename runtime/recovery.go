package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Recovery: entries delivered before and never settled. They come from
// this consumer's own pending list at start-up (it read them before a
// crash or restart), and from any consumer whose entries have been idle
// for ClaimMinIdle (nobody renews them: the holder died, is paused for
// that long, or its invocation ran past its time). They are listed with
// XPENDING and claimed with XAUTOCLAIM JUSTID, which leave the delivery
// count alone, and read with XRANGE, so that the count stays the number
// of attempts begun: intake dead-letters an entry whose count has reached
// MaxAttempts, and the pool counts each attempt before it runs.

// recoverOwn hands the entries of stream pending on this consumer and not
// tracked here to intake, oldest first, with their delivery counts.
func (f *function) recoverOwn(ctx, hard context.Context, stream string) error {
	start := "-"
	for ctx.Err() == nil {
		pend, err := f.rt.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
			Stream: stream, Group: f.Name, Start: start, End: "+",
			Count: int64(f.rt.cfg.BatchSize), Consumer: f.rt.cfg.ConsumerName,
		}).Result()
		if err != nil {
			return fmt.Errorf("XPENDING %s: %w", stream, err)
		}
		if len(pend) == 0 {
			return nil
		}
		start = "(" + pend[len(pend)-1].ID
		counts := make(map[string]int, len(pend))
		var ids []string
		for _, p := range pend {
			if !f.inflight.has(stream, p.ID) {
				ids = append(ids, p.ID)
				counts[p.ID] = int(p.RetryCount)
			}
		}
		if len(ids) > 0 {
			msgs, err := f.fetch(ctx, stream, ids)
			if err != nil {
				return err
			}
			if msgs = f.inflight.addNew(stream, msgs); len(msgs) > 0 {
				f.intake(hard, stream, msgs, nil, counts)
			}
		}
		if len(pend) < f.rt.cfg.BatchSize {
			return nil
		}
	}
	return ctx.Err()
}

// fetch reads the entries ids of stream in one round trip; an entry
// deleted from the stream comes back with nil Values.
func (f *function) fetch(ctx context.Context, stream string, ids []string) ([]redis.XMessage, error) {
	pipe := f.rt.rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.XRangeN(ctx, stream, id, id, 1)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read pending entries of %s: %w", stream, err)
	}
	out := make([]redis.XMessage, len(ids))
	for i, id := range ids {
		out[i].ID = id
		if got := cmds[i].Val(); len(got) == 1 {
			out[i].Values = got[0].Values
		}
	}
	return out, nil
}

// claimIdle claims to this consumer the entries of stream idle for at
// least ClaimMinIdle, whoever holds them, and returns how many. It claims
// nothing while Redis refuses writes (maxmemory, a read-only replica): then
// liveness and commits fail for every instance alike, and taking each
// other's entries would only run them twice.
func (f *function) claimIdle(ctx context.Context, stream string) (int, error) {
	if err := f.probe(ctx); err != nil {
		return 0, fmt.Errorf("write probe failed, not taking over: %w", err)
	}
	n := 0
	start := "0-0"
	for ctx.Err() == nil {
		ids, next, err := f.rt.rdb.XAutoClaimJustID(ctx, &redis.XAutoClaimArgs{
			Stream: stream, Group: f.Name, Consumer: f.rt.cfg.ConsumerName,
			MinIdle: f.rt.cfg.ClaimMinIdle, Start: start, Count: int64(f.rt.cfg.BatchSize),
		}).Result()
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			if !f.inflight.has(stream, id) {
				n++
			}
		}
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	if n > 0 {
		f.logger.Info("took over entries idle for CLAIM_MIN_IDLE", zap.String("stream", stream), zap.Int("count", n))
	}
	return n, nil
}

// takeOver runs before a function with an ordering key starts reading, so
// that entries a gone consumer (no liveness key) left pending run before
// any newer entry of their keys: it waits up to ClaimMinIdle (plus two
// claim intervals) for those entries to become claimable, and claims
// them; the reader's own-pending recovery then runs them first.
func (f *function) takeOver(ctx context.Context) {
	deadline := time.Now().Add(f.rt.cfg.ClaimMinIdle + 2*f.rt.cfg.ClaimInterval)
	for _, s := range f.Streams {
		for ctx.Err() == nil {
			if _, err := f.claimIdle(ctx, s); err != nil && ctx.Err() == nil {
				f.logger.Warn("take over at start", zap.String("stream", s), zap.Error(err))
			}
			gone, _, err := f.goneConsumers(ctx, s)
			if err != nil || len(gone) == 0 {
				break
			}
			if time.Now().After(deadline) {
				f.logger.Warn("gone consumers still hold entries: reading on", zap.String("stream", s), zap.Strings("consumers", gone))
				break
			}
			if !sleepCtx(ctx, min(f.rt.cfg.ClaimInterval, 100*time.Millisecond)) {
				return
			}
		}
	}
}
