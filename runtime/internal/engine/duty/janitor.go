package duty

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// JanitorParams is what the janitor needs.
type JanitorParams struct {
	Logger  *zap.Logger
	Group   *rdb.Consumer
	Streams []string
	// GoneAfter is ConsumerGoneAfter.
	GoneAfter time.Duration
}

// NewJanitor returns the duty that removes consumers that are gone from
// the function's groups: a consumer (other than this one) with nothing
// pending and idle for longer than ConsumerGoneAfter, checked every
// quarter of it (at least every second, at most every 5 minutes).
// Consumers with pending entries are left to the reclaimer first, so that
// deleting one never drops its entries.
func NewJanitor(base context.Context, p JanitorParams) *Ticker {
	return newTicker(base, tickerParams{
		logger: p.Logger, interval: min(max(p.GoneAfter/4, time.Second), 5*time.Minute),
		failed: "look for gone consumers failed", recovered: "look for gone consumers recovered",
		exec: eachStream(p.Streams, func(ctx context.Context, stream string) error {
			consumers, err := p.Group.Consumers(ctx, stream)
			if err != nil {
				return err
			}
			for _, c := range consumers {
				if c.Name == p.Group.Name || c.Pending > 0 || c.Idle < p.GoneAfter {
					continue
				}
				if err := p.Group.DeleteConsumer(ctx, stream, c.Name); err != nil {
					p.Logger.Warn("delete gone consumer", zap.String("consumer", c.Name), zap.Error(err))
					continue
				}
				p.Logger.Info("deleted gone consumer", zap.String("stream", stream), zap.String("consumer", c.Name), zap.Duration("idle", c.Idle))
			}
			return nil
		}),
	})
}
