package duty

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// Unread collects the entries delivered to this instance that never
// started, to give their delivery back at shutdown.
type Unread struct {
	mu  sync.Mutex
	ids map[string][]string // by stream
}

// GiveBack notes that stream/id was delivered here and never started.
func (u *Unread) GiveBack(stream, id string) {
	u.mu.Lock()
	if u.ids == nil {
		u.ids = map[string][]string{}
	}
	u.ids[stream] = append(u.ids[stream], id)
	u.mu.Unlock()
}

// Return sets the delivery count of the entries noted by GiveBack back
// to 0 in group, so that a delivery that never ran uses no attempt.
func (u *Unread) Return(ctx context.Context, group *rdb.Consumer, logger *zap.Logger) {
	u.mu.Lock()
	ids := u.ids
	u.ids = nil
	u.mu.Unlock()
	for stream, list := range ids {
		if _, _, err := group.Renew(ctx, stream, list, "0"); err != nil {
			logger.Warn("give back unread deliveries", zap.String("stream", stream), zap.Int("count", len(list)), zap.Error(err))
		}
	}
}
