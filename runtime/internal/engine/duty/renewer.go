package duty

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/inflight"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// RenewerParams is what the renewer needs.
type RenewerParams struct {
	Logger   *zap.Logger
	Group    *rdb.Consumer
	Interval time.Duration // ClaimInterval
	Streams  []string
	Inflight *inflight.Set
}

// NewRenewer returns the duty that keeps every entry delivered to this
// instance and not settled claimed (read ahead, queued, running, parked),
// on a goroutine of its own that never waits for intake: every
// ClaimInterval, which Validate keeps under half of ClaimMinIdle, it
// resets their idle time, so that peers, which take over only entries
// idle for ClaimMinIdle, never take work that is merely waiting here. An
// invocation that has run past its Timeout is no longer renewed. An entry
// found owned by another consumer is dropped from the tracked set: it is
// not run here again.
func NewRenewer(base context.Context, p RenewerParams) *Ticker {
	return newTicker(base, tickerParams{
		logger: p.Logger, interval: p.Interval,
		failed:    "renew delivered entries failed: peers may take them over after CLAIM_MIN_IDLE",
		recovered: "renew delivered entries recovered",
		exec: eachStream(p.Streams, func(ctx context.Context, stream string) error {
			ids := p.Inflight.Renewable(stream, time.Now())
			if len(ids) == 0 {
				return nil
			}
			lost, taken, err := p.Group.Renew(ctx, stream, ids, "")
			for _, id := range lost {
				p.Inflight.Remove(stream, id)
			}
			// Entries acked meanwhile (committed here while the renewal
			// ran) are dropped silently; only a takeover is news.
			if taken > 0 {
				p.Logger.Warn("entries taken over by another consumer: not run here again", zap.String("stream", stream), zap.Int("count", taken))
			}
			return err
		}),
	})
}
