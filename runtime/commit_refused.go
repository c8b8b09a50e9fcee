package runtime

import (
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// refused reports whether the commit script refused a group for a reason
// that retrying the same group cannot fix (see rdb.IsRefused).
func refused(err error) bool { return rdb.IsRefused(err) }

// writeEach writes a refused group item by item, so that one bad item
// holds back no other.
func (c *committer) writeEach(group []*commitItem, err error) {
	c.logger.Warn("commit refused: writing the group item by item", zap.Int("items", len(group)), zap.Error(err))
	for _, it := range group {
		c.write([]*commitItem{it})
	}
}

// deadLetterInstead turns a refused item that emits into the dead letter of
// its entry (its outcome can never be written) and reports whether it did;
// an item that cannot be dead-lettered (it is a dead letter already, or
// has no entry) is given up and stays pending.
func (c *committer) deadLetterInstead(it *commitItem, err error) bool {
	if it.deadLetter != nil || it.release == nil || !it.ack {
		c.logger.Error("commit refused: given up, the entry stays pending", zap.String("stream", it.stream),
			zap.String("entry_id", it.id), zap.String("event_id", it.eventID), zap.Error(err))
		return false
	}
	c.logger.Error("commit refused: dead-lettering the invocation", zap.String("stream", it.stream),
		zap.String("entry_id", it.id), zap.String("event_id", it.eventID), zap.Error(err))
	dl := newDeadLetterEntry(c.group(), it.release, Permanent(fmt.Errorf("commit refused: %w", err)), time.Now())
	it.emits, it.record, it.deadLetter = nil, false, &dl
	if c.onDeadLettered != nil {
		c.onDeadLettered(it.stream)
	}
	return true
}
