package duty

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
)

// TakeOver runs before a function with an ordering key starts reading, so
// that entries a gone consumer (no liveness key) left pending run before
// any newer entry of their keys: it waits up to ClaimMinIdle (plus two
// claim intervals) for those entries to become claimable, and claims
// them; the reader's own-pending recovery then runs them first.
func (f *Claims) TakeOver(ctx context.Context) {
	deadline := time.Now().Add(f.ClaimMinIdle + 2*f.ClaimInterval)
	for _, s := range f.Streams {
		for ctx.Err() == nil {
			if _, err := f.ClaimIdle(ctx, s); err != nil && ctx.Err() == nil {
				f.Logger.Warn("take over at start", zap.String("stream", s), zap.Error(err))
			}
			gone, _, err := f.goneConsumers(ctx, s)
			if err != nil || len(gone) == 0 {
				break
			}
			if time.Now().After(deadline) {
				f.Logger.Warn("gone consumers still hold entries: reading on", zap.String("stream", s), zap.Strings("consumers", gone))
				break
			}
			if !backoff.Sleep(ctx, min(f.ClaimInterval, 100*time.Millisecond)) {
				return
			}
		}
	}
}

// goneConsumers lists the stream's consumers, other than this one, that
// have pending entries and no liveness key; live lists those that do have
// one.
func (f *Claims) goneConsumers(ctx context.Context, stream string) (gone, live []string, err error) {
	cs, err := f.Group.Consumers(ctx, stream)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cs {
		if c.Name == f.Group.Name || c.Pending == 0 {
			continue
		}
		alive, err := f.Group.IsAlive(ctx, c.Name)
		if err != nil {
			return nil, nil, err
		}
		if alive {
			live = append(live, c.Name)
		} else {
			gone = append(gone, c.Name)
		}
	}
	return gone, live, nil
}
