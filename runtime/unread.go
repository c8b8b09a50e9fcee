package runtime

import (
	"context"
	"sync"

	"go.uber.org/zap"
)

// unread collects the entries delivered to this instance that never
// started, to give their delivery back at shutdown.
type unread struct {
	mu  sync.Mutex
	ids map[string][]string // by stream
}

// giveBack notes that stream/id was delivered here and never started.
func (f *worker) giveBack(stream, id string) {
	f.unread.mu.Lock()
	if f.unread.ids == nil {
		f.unread.ids = map[string][]string{}
	}
	f.unread.ids[stream] = append(f.unread.ids[stream], id)
	f.unread.mu.Unlock()
}

// returnUnread sets the delivery count of the entries noted by giveBack
// back to 0, so that a delivery that never ran uses no attempt.
func (f *worker) returnUnread(ctx context.Context) {
	f.unread.mu.Lock()
	ids := f.unread.ids
	f.unread.ids = nil
	f.unread.mu.Unlock()
	for stream, list := range ids {
		if _, err := f.group.Renew(ctx, stream, list, "0"); err != nil {
			f.logger.Warn("give back unread deliveries", zap.String("stream", stream), zap.Int("count", len(list)), zap.Error(err))
		}
	}
}
