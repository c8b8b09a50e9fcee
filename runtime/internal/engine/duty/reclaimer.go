package duty

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// ReclaimerParams is what the reclaimer needs: how often, which streams,
// and the claims it makes (claims.go).
type ReclaimerParams struct {
	Logger   *zap.Logger
	Interval time.Duration // ClaimInterval
	Streams  []string
	// ClaimIdle claims the entries of a stream idle for ClaimMinIdle and
	// says how many; RecoverOwn hands this consumer's own untracked
	// pending entries of a stream to intake.
	ClaimIdle  func(ctx context.Context, stream string) (int, error)
	RecoverOwn func(ctx context.Context, stream string) error
}

// NewReclaimer returns the duty that takes over entries nobody renews:
// every ClaimInterval, while Redis takes writes, it claims the entries of
// each stream idle for at least ClaimMinIdle (their holder died, is
// paused, or its invocation ran past its time; a live holder renews its
// entries, see renewer) and feeds them to the pool as recovered entries.
// It also picks up this consumer's own pending entries that nothing here
// tracks any more.
func NewReclaimer(base context.Context, p ReclaimerParams) *Ticker {
	return newTicker(base, tickerParams{
		logger: p.Logger, interval: p.Interval, failed: "reclaim failed", recovered: "reclaim recovered",
		exec: eachStream(p.Streams, func(ctx context.Context, stream string) error {
			n, err := p.ClaimIdle(ctx, stream)
			if err != nil {
				if rdb.IsNoGroup(err) {
					return nil
				}
				return err
			}
			if n == 0 {
				return nil
			}
			return p.RecoverOwn(ctx, stream)
		}),
	})
}
