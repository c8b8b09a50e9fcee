package duty

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
	LivenessTTL   = 3 * time.Second
)

// LivenessParams is what the liveness duty needs.
type LivenessParams struct {
	Logger *zap.Logger
	Group  *rdb.Consumer
}

// NewLiveness returns the duty that renews this instance's liveness key of
// one function every second until shutdown, and deletes it then.
func NewLiveness(base context.Context, p LivenessParams) *Ticker {
	return newTicker(base, tickerParams{
		logger: p.Logger, interval: livenessEvery, first: true,
		exec:      func(ctx context.Context) error { return p.Group.SetAlive(ctx, LivenessTTL) },
		failed:    "liveness key not written: Redis refuses writes or is away; no takeover meanwhile",
		recovered: "liveness key written again",
		stopped: func() {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			_ = p.Group.DeleteAlive(ctx)
		},
	})
}
