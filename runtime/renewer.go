package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/inflight"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// renewerParams is what the renewer needs.
type renewerParams struct {
	logger   *zap.Logger
	group    *rdb.Consumer
	interval time.Duration // ClaimInterval
	streams  []string
	inflight *inflight.Set
}

// newRenewer returns the duty that keeps every entry delivered to this
// instance and not settled claimed (read ahead, queued, running, parked),
// on a goroutine of its own that never waits for intake: every
// ClaimInterval, which Validate keeps under half of ClaimMinIdle, it
// resets their idle time, so that peers, which take over only entries
// idle for ClaimMinIdle, never take work that is merely waiting here. An
// invocation that has run past its Timeout is no longer renewed. An entry
// found owned by another consumer is dropped from the tracked set: it is
// not run here again.
func newRenewer(base context.Context, p renewerParams) *ticker {
	return newTicker(base, tickerParams{
		logger: p.logger, interval: p.interval,
		failed:    "renew delivered entries failed: peers may take them over after CLAIM_MIN_IDLE",
		recovered: "renew delivered entries recovered",
		exec: eachStream(p.streams, func(ctx context.Context, stream string) error {
			ids := p.inflight.Renewable(stream, time.Now())
			if len(ids) == 0 {
				return nil
			}
			lost, err := p.group.Renew(ctx, stream, ids, "")
			for _, id := range lost {
				p.inflight.Remove(stream, id)
			}
			if len(lost) > 0 {
				p.logger.Warn("entries taken over by another consumer: not run here again", zap.String("stream", stream), zap.Int("count", len(lost)))
			}
			return err
		}),
	})
}
