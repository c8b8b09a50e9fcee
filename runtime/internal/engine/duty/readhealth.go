package duty

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// readHealth is a read loop's handling of failed reads: a missing group is
// created again, other errors back off (logged once per outage), and the
// recovery is logged.
type readHealth struct {
	p       *ReaderParams
	b       *backoff.Backoff
	failing bool
}

// after handles the outcome of one read: true when it succeeded and the
// loop goes on with its result; false when it failed (handled: the loop
// reads again, and stops if ctx ended).
func (h *readHealth) after(ctx context.Context, err error) bool {
	if err == nil {
		if h.failing {
			h.p.Logger.Info("read recovered")
			h.failing = false
			h.b = nil
		}
		return true
	}
	if ctx.Err() != nil {
		return false
	}
	if rdb.IsNoGroup(err) {
		// The stream or group vanished (a Redis without persistence
		// restarted): create it again.
		h.p.Logger.Warn("consumer group missing: recreating", zap.Error(err))
		_ = h.p.EnsureGroups(ctx)
		return false
	}
	if !h.failing {
		h.p.Logger.Warn("read failed: retrying with backoff", zap.Error(err))
		h.failing = true
	}
	if h.b == nil {
		h.b = backoff.New(50*time.Millisecond, 5*time.Second)
	}
	h.b.Wait(ctx)
	return false
}
