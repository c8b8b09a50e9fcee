package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/ordershop/functions/runtime/dashboard/internal/session"
)

// statusLiveInterval is how often the live status stream reads every
// function's counts.
const statusLiveInterval = 2 * time.Second

// liveCounts are one function's counts as the overview shows them.
type liveCounts struct {
	Name string `json:"name"`
	// Lag is nil when Redis cannot tell (the overview shows "?").
	Lag      *int64 `json:"lag"`
	Pending  int64  `json:"pending"`
	Retrying int64  `json:"retrying"`
	Dead     int64  `json:"dead"`
}

// statusLive streams every function's counts (lag, pending, retrying,
// dead) every statusLiveInterval, when they changed.
func (h *Handler) statusLive(ctx context.Context, sse *sseWriter, _ *http.Request, _ session.Session) error {
	if err := sse.start(); err != nil {
		return err
	}
	var last []liveCounts
	for {
		st, err := h.cfg.Ops.Status(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		now := make([]liveCounts, 0, len(st))
		for _, fs := range st {
			now = append(now, liveCounts{Name: fs.Name, Lag: fs.Lag, Pending: fs.Pending, Retrying: fs.Retrying, Dead: fs.Dead})
		}
		if !slices.EqualFunc(now, last, sameCounts) {
			if err := sse.send("status", "", now); err != nil {
				return err
			}
			last = now
		}
		if err := sse.heartbeat(time.Now()); err != nil {
			return err
		}
		if waitOrDone(ctx, statusLiveInterval) != nil {
			return nil
		}
	}
}

// sameCounts reports whether a and b show the same.
func sameCounts(a, b liveCounts) bool {
	sameLag := (a.Lag == nil) == (b.Lag == nil) && (a.Lag == nil || *a.Lag == *b.Lag)
	return a.Name == b.Name && sameLag && a.Pending == b.Pending && a.Retrying == b.Retrying && a.Dead == b.Dead
}
