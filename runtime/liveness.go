package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// Liveness of consumers. Every running instance keeps, per function, a key
// fn:{<function>}:alive:<consumer> that expires unless renewed. A consumer
// of the group without one is gone (crashed, or stopped): an ordered
// function starting up waits for a gone consumer's entries to become
// claimable before it reads (see takeover.go). Takeover itself never
// relies on the key: only entries idle for ClaimMinIdle are taken. Writing
// the key is also the write probe: no instance takes over work while it
// fails (see claims.go).
const (
	livenessEvery = time.Second
	livenessTTL   = 3 * time.Second
)

// livenessParams is what the liveness duty needs.
type livenessParams struct {
	logger *zap.Logger
	group  *rdb.Consumer
}

// newLiveness returns the duty that renews this instance's liveness key of
// one function every second until shutdown, and deletes it then.
func newLiveness(base context.Context, p livenessParams) *ticker {
	return newTicker(base, tickerParams{
		logger: p.logger, interval: livenessEvery, first: true,
		exec:      func(ctx context.Context) error { return p.group.SetAlive(ctx, livenessTTL) },
		failed:    "liveness key not written: Redis refuses writes or is away; no takeover meanwhile",
		recovered: "liveness key written again",
		stopped: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			_ = p.group.DeleteAlive(ctx)
		},
	})
}
