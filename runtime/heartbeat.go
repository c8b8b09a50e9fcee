package runtime

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// Liveness of consumers. Every running instance keeps, per function, a key
// fn:{<function>}:alive:<consumer> that expires unless renewed; a consumer
// of the group without one is gone (crashed, or stopped), and its pending
// entries can be taken over at once instead of after ClaimMinIdle.
const (
	heartbeatEvery = time.Second
	heartbeatTTL   = 3 * time.Second
)

// heartbeat renews this instance's liveness key of one function until
// stopped, and deletes it on a clean stop.
type heartbeat struct {
	f *function
}

func newHeartbeat(f *function) *heartbeat { return &heartbeat{f: f} }

func (h *heartbeat) run(ctx context.Context) {
	key := aliveKey(h.f.Name, h.f.rt.cfg.ConsumerName)
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		if err := h.f.rt.rdb.Set(ctx, key, "1", heartbeatTTL).Err(); err != nil && ctx.Err() == nil {
			h.f.logger.Debug("heartbeat", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			c, cancel := context.WithTimeout(context.Background(), time.Second)
			h.f.rt.rdb.Del(c, key)
			cancel()
			return
		case <-t.C:
		}
	}
}

// claimFromGone moves the pending entries of the stream's gone consumers
// (no liveness key) to this one and returns them. With justID only their
// ids are claimed (the reader's own-pending drain reads them in order).
func (f *function) claimFromGone(ctx context.Context, stream string, justID bool) ([]redis.XMessage, []string, error) {
	gone, _, err := f.goneConsumers(ctx, stream)
	if err != nil {
		return nil, nil, err
	}
	var msgs []redis.XMessage
	var ids []string
	for _, c := range gone {
		pend, err := f.rt.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{
			Stream: stream, Group: f.Name, Start: "-", End: "+", Count: int64(f.rt.cfg.BatchSize), Consumer: c,
		}).Result()
		if err != nil || len(pend) == 0 {
			continue
		}
		claim := make([]string, len(pend))
		for i, p := range pend {
			claim[i] = p.ID
		}
		args := &redis.XClaimArgs{Stream: stream, Group: f.Name, Consumer: f.rt.cfg.ConsumerName, Messages: claim}
		if justID {
			got, err := f.rt.rdb.XClaimJustID(ctx, args).Result()
			if err != nil {
				return msgs, ids, err
			}
			ids = append(ids, got...)
		} else {
			got, err := f.rt.rdb.XClaim(ctx, args).Result()
			if err != nil {
				return msgs, ids, err
			}
			msgs = append(msgs, got...)
		}
		f.logger.Info("took over pending entries of a gone consumer", zap.String("stream", stream), zap.String("consumer", c), zap.Int("count", len(claim)))
	}
	return msgs, ids, nil
}

// goneConsumers lists the stream's consumers, other than this one, that
// have pending entries and no liveness key; live lists those that do have
// one.
func (f *function) goneConsumers(ctx context.Context, stream string) (gone, live []string, err error) {
	cs, err := f.rt.rdb.XInfoConsumers(ctx, stream, f.Name).Result()
	if err != nil {
		return nil, nil, err
	}
	for _, c := range cs {
		if c.Name == f.rt.cfg.ConsumerName || c.Pending == 0 {
			continue
		}
		n, err := f.rt.rdb.Exists(ctx, aliveKey(f.Name, c.Name)).Result()
		if err != nil {
			return nil, nil, err
		}
		if n == 0 {
			gone = append(gone, c.Name)
		} else {
			live = append(live, c.Name)
		}
	}
	return gone, live, nil
}

// takeOver runs before a function with an ordering key starts reading:
// it claims every pending entry of gone consumers (waiting up to one
// liveness TTL for the keys of consumers that died a moment ago to
// expire), so that the reader's own-pending drain runs them before any
// newer entry of their keys. Consumers still alive after that keep theirs.
func (f *function) takeOver(ctx context.Context) {
	deadline := time.Now().Add(heartbeatTTL + heartbeatEvery)
	for _, s := range f.Streams {
		for {
			for {
				_, ids, err := f.claimFromGone(ctx, s, true)
				if err != nil || len(ids) < f.rt.cfg.BatchSize {
					break
				}
			}
			_, live, err := f.goneConsumers(ctx, s)
			if err != nil || len(live) == 0 || time.Now().After(deadline) {
				break
			}
			if !sleepCtx(ctx, 100*time.Millisecond) {
				return
			}
		}
	}
}
