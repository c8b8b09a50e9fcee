package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// janitorParams is what the janitor needs.
type janitorParams struct {
	logger  *zap.Logger
	group   *rdb.Consumer
	streams []string
	// goneAfter is ConsumerGoneAfter.
	goneAfter time.Duration
}

// newJanitor returns the duty that removes consumers that are gone from
// the function's groups: a consumer (other than this one) with nothing
// pending and idle for longer than ConsumerGoneAfter, checked every
// quarter of it (at least every second, at most every 5 minutes).
// Consumers with pending entries are left to the reclaimer first, so that
// deleting one never drops its entries.
func newJanitor(base context.Context, p janitorParams) *ticker {
	return newTicker(base, tickerParams{
		logger: p.logger, interval: min(max(p.goneAfter/4, time.Second), 5*time.Minute),
		failed: "look for gone consumers failed", recovered: "look for gone consumers recovered",
		exec: eachStream(p.streams, func(ctx context.Context, stream string) error {
			consumers, err := p.group.Consumers(ctx, stream)
			if err != nil {
				return err
			}
			for _, c := range consumers {
				if c.Name == p.group.Name || c.Pending > 0 || c.Idle < p.goneAfter {
					continue
				}
				if err := p.group.DeleteConsumer(ctx, stream, c.Name); err != nil {
					p.logger.Warn("delete gone consumer", zap.String("consumer", c.Name), zap.Error(err))
					continue
				}
				p.logger.Info("deleted gone consumer", zap.String("stream", stream), zap.String("consumer", c.Name), zap.Duration("idle", c.Idle))
			}
			return nil
		}),
	})
}
