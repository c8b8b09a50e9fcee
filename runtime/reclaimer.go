package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// reclaimerParams is what the reclaimer needs: how often, which streams,
// and the claims it makes (claims.go).
type reclaimerParams struct {
	logger   *zap.Logger
	interval time.Duration // ClaimInterval
	streams  []string
	// claimIdle claims the entries of a stream idle for ClaimMinIdle and
	// says how many; recoverOwn hands this consumer's own untracked
	// pending entries of a stream to intake.
	claimIdle  func(ctx context.Context, stream string) (int, error)
	recoverOwn func(ctx context.Context, stream string) error
}

// newReclaimer returns the duty that takes over entries nobody renews:
// every ClaimInterval, while Redis takes writes, it claims the entries of
// each stream idle for at least ClaimMinIdle (their holder died, is
// paused, or its invocation ran past its time; a live holder renews its
// entries, see renewer) and feeds them to the pool as recovered entries.
// It also picks up this consumer's own pending entries that nothing here
// tracks any more.
func newReclaimer(base context.Context, p reclaimerParams) *ticker {
	return newTicker(base, tickerParams{
		logger: p.logger, interval: p.interval, failed: "reclaim failed", recovered: "reclaim recovered",
		exec: eachStream(p.streams, func(ctx context.Context, stream string) error {
			n, err := p.claimIdle(ctx, stream)
			if err != nil {
				if rdb.IsNoGroup(err) {
					return nil
				}
				return err
			}
			if n == 0 {
				return nil
			}
			return p.recoverOwn(ctx, stream)
		}),
	})
}
