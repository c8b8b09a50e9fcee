package tenure

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/partition"
)

// recover starts the work on partition p, acquired under token: the
// previous tenures' pending entries first, in stream order, then new
// ones.
func (t *Tenure) recover(ctx, hard context.Context, p int, token string) {
	streams := Streams(t.p.Families, p)
	// Work read under an earlier tenure of this instance settles first
	// (it is fenced); its entries are then recovered with the rest.
	for t.p.InflightIn(streams) > 0 {
		if !backoff.Sleep(ctx, 10*time.Millisecond) {
			return
		}
	}
	b := backoff.New(50*time.Millisecond, 2*time.Second)
	claimed := 0
	for _, s := range streams {
		for {
			if t.owner.Token(p) != token || ctx.Err() != nil {
				return
			}
			n, err := t.p.ClaimAll(ctx, s, t.p.BatchSize)
			if err == nil {
				err = t.p.RecoverOwn(ctx, hard, s, token)
			}
			if err == nil {
				claimed += n
				break
			}
			t.logger.Warn("recover partition: retrying", zap.Int("partition", p), zap.String("stream", s), zap.Error(err))
			if !b.Wait(ctx) {
				return
			}
		}
	}
	if claimed > 0 {
		t.p.Event("taken_over", p)
		t.logger.Info("partition taken over: its pending entries run first, in order",
			zap.Int("partition", p), zap.Int("entries", claimed), zap.String("token", token))
	}
	if t.owner.Token(p) == token {
		t.reads.Add(rdb.LeasedPart{P: p, Lease: partition.Lease(t.p.Function, p), Token: token, Streams: streams})
	}
}

// drain stops reading partition p and waits, up to ShutdownTimeout,
// until what was read of it has settled and committed.
func (t *Tenure) drain(ctx context.Context, p int) {
	streams := Streams(t.p.Families, p)
	t.reads.Remove(p, true)
	t.p.AbandonParked(streams)
	deadline := time.Now().Add(t.p.ShutdownTimeout)
	for t.p.InflightIn(streams) > 0 && time.Now().Before(deadline) {
		if !backoff.Sleep(ctx, 10*time.Millisecond) {
			return
		}
	}
}

// drop stops reading partition p at once (its lease is gone); its
// waiting retries stay pending for the next owner.
func (t *Tenure) drop(p int) {
	t.reads.Remove(p, false)
	t.p.AbandonParked(Streams(t.p.Families, p))
}
