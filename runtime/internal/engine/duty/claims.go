package duty

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/inflight"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// Claims: entries delivered before and never settled. They come from this
// consumer's own pending list at start-up (it read them before a crash or
// restart), and from any consumer whose entries have been idle for
// ClaimMinIdle (nobody renews them: the holder died, is paused for that
// long, or its invocation ran past its time). They are listed with
// XPENDING and claimed with XAUTOCLAIM JUSTID, which leave the delivery
// count alone, and read with XRANGE, so that the count stays the number of
// attempts begun: intake dead-letters an entry whose count has reached
// MaxAttempts, and the pool counts each attempt before it runs.

// Claims makes the claims of one function on this consumer.
type Claims struct {
	Logger   *zap.Logger
	Group    *rdb.Consumer
	Inflight *inflight.Set
	Streams  []string
	// BatchSize is how many entries one XPENDING or XAUTOCLAIM takes.
	BatchSize int
	// ClaimMinIdle and ClaimInterval are the Config's.
	ClaimMinIdle, ClaimInterval time.Duration
	// Intake takes the entries recovered.
	Intake Intake
}

// RecoverOwn hands the entries of stream pending on this consumer and not
// tracked here to intake, oldest first, with their delivery counts (and,
// for a leased function, the partition token they are recovered under).
func (f *Claims) RecoverOwn(ctx, hard context.Context, stream, token string) error {
	start := "-"
	for ctx.Err() == nil {
		pend, err := f.Group.PendingOwn(ctx, stream, start, f.BatchSize)
		if err != nil {
			return err
		}
		if len(pend) == 0 {
			return nil
		}
		start = "(" + pend[len(pend)-1].ID
		counts := make(map[string]int, len(pend))
		var ids []string
		for _, p := range pend {
			if !f.Inflight.Has(stream, p.ID) {
				ids = append(ids, p.ID)
				counts[p.ID] = int(p.RetryCount)
			}
		}
		if len(ids) > 0 {
			msgs, err := f.Group.Fetch(ctx, stream, ids)
			if err != nil {
				return err
			}
			if msgs = f.Inflight.AddNew(stream, msgs); len(msgs) > 0 {
				f.Intake(hard, stream, token, msgs, nil, counts)
			}
		}
		if len(pend) < f.BatchSize {
			return nil
		}
	}
	return ctx.Err()
}

// ClaimIdle claims to this consumer the entries of stream idle for at
// least ClaimMinIdle, whoever holds them, and returns how many. It claims
// nothing while Redis refuses writes (maxmemory, a read-only replica): then
// liveness and commits fail for every instance alike, and taking each
// other's entries would only run them twice.
func (f *Claims) ClaimIdle(ctx context.Context, stream string) (int, error) {
	if err := f.Group.SetAlive(ctx, LivenessTTL); err != nil {
		return 0, fmt.Errorf("write probe failed, not taking over: %w", err)
	}
	n := 0
	start := "0-0"
	for ctx.Err() == nil {
		ids, next, err := f.Group.ClaimIdle(ctx, stream, f.ClaimMinIdle, start, f.BatchSize)
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			if !f.Inflight.Has(stream, id) {
				n++
			}
		}
		if next == "0-0" || next == "" {
			break
		}
		start = next
	}
	if n > 0 {
		f.Logger.Info("took over entries idle for CLAIM_MIN_IDLE", zap.String("stream", stream), zap.Int("count", n))
	}
	return n, nil
}
