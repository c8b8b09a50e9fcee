package runtime

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// reclaimer takes over entries left pending by consumers that died: every
// ClaimInterval it claims the entries of consumers that are gone (no
// liveness key, see heartbeat) and runs XAUTOCLAIM on each stream for
// entries idle longer than ClaimMinIdle (a consumer alive but stuck), and
// feeds them to the pool like fresh reads. Before
// that it renews the lease of this instance's own long-running entries
// (XCLAIM to itself, JUSTID), so that other instances do not take work that
// is merely slow.
type reclaimer struct {
	f *function
}

func newReclaimer(f *function) *reclaimer { return &reclaimer{f: f} }

func (r *reclaimer) run(ctx context.Context) {
	t := time.NewTicker(r.f.rt.cfg.ClaimInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, s := range r.f.Streams {
				r.renew(ctx, s)
				r.fromGone(ctx, s)
				r.exec(ctx, s)
			}
		}
	}
}

// renew resets the idle time of entries this instance is still working on.
func (r *reclaimer) renew(ctx context.Context, stream string) {
	ids := r.f.inflight.snapshot(stream)
	if len(ids) == 0 {
		return
	}
	err := r.f.rt.rdb.XClaimJustID(ctx, &redis.XClaimArgs{
		Stream: stream, Group: r.f.Name, Consumer: r.f.rt.cfg.ConsumerName,
		MinIdle: r.f.rt.cfg.ClaimMinIdle / 2, Messages: ids,
	}).Err()
	if err != nil && ctx.Err() == nil {
		r.f.logger.Warn("renew in-flight entries", zap.String("stream", stream), zap.Error(err))
	}
}

// fromGone takes over at once the pending entries of consumers that are
// gone (no liveness key), whatever their idle time.
func (r *reclaimer) fromGone(ctx context.Context, stream string) {
	msgs, _, err := r.f.claimFromGone(ctx, stream, false)
	if err != nil && ctx.Err() == nil && !redis.HasErrorPrefix(err, "NOGROUP") {
		r.f.logger.Warn("take over from gone consumers", zap.String("stream", stream), zap.Error(err))
	}
	if len(msgs) > 0 {
		r.f.intake(ctx, stream, msgs, nil)
	}
}

// exec claims and dispatches idle entries of one stream.
func (r *reclaimer) exec(ctx context.Context, stream string) {
	f := r.f
	start := "0-0"
	for ctx.Err() == nil {
		msgs, next, err := f.rt.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
			Stream: stream, Group: f.Name, Consumer: f.rt.cfg.ConsumerName,
			MinIdle: f.rt.cfg.ClaimMinIdle, Start: start, Count: int64(f.rt.cfg.BatchSize),
		}).Result()
		if err != nil {
			if ctx.Err() == nil && !redis.HasErrorPrefix(err, "NOGROUP") {
				f.logger.Warn("reclaim failed", zap.String("stream", stream), zap.Error(err))
			}
			return
		}
		if len(msgs) > 0 {
			f.logger.Info("reclaimed pending entries", zap.String("stream", stream), zap.Int("count", len(msgs)))
			f.intake(ctx, stream, msgs, nil)
		}
		if next == "0-0" || next == "" {
			return
		}
		start = next
	}
}
