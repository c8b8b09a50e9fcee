package commit

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// refused reports whether the commit script refused a group for a reason
// that retrying the same group cannot fix (see rdb.IsRefused).
func refused(err error) bool { return rdb.IsRefused(err) }

// writeEach writes a refused group item by item, so that one bad item
// holds back no other.
func (c *Committer[T]) writeEach(group []*Item[T], err error) {
	c.logger.Warn("commit refused: writing the group item by item", zap.Int("items", len(group)), zap.Error(err))
	for _, it := range group {
		c.Write([]*Item[T]{it})
	}
}

// deadLetterInstead turns a refused item that emits into the dead letter of
// its entry (its outcome can never be written) and reports whether it did;
// an item that cannot be dead-lettered (it is a dead letter already, or
// has no entry) is given up and stays pending.
func (c *Committer[T]) deadLetterInstead(it *Item[T], err error) bool {
	if it.DeadLetter != nil || it.Release == nil || !it.Ack || c.p.DeadLetter == nil {
		c.logger.Error("commit refused: given up, the entry stays pending", zap.String("stream", it.Stream),
			zap.String("entry_id", it.ID), zap.String("event_id", it.EventID), zap.Error(err))
		return false
	}
	c.logger.Error("commit refused: dead-lettering the invocation", zap.String("stream", it.Stream),
		zap.String("entry_id", it.ID), zap.String("event_id", it.EventID), zap.Error(err))
	dl := c.p.DeadLetter(it.Release, fmt.Errorf("commit refused: %w", err))
	it.Emits, it.Record, it.DeadLetter = nil, false, &dl
	if c.p.OnDeadLettered != nil {
		c.p.OnDeadLettered(it.Stream)
	}
	return true
}
