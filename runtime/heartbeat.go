package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// Liveness of consumers. Every running instance keeps, per function, a key
// fn:{<function>}:alive:<consumer> that expires unless renewed. A consumer
// of the group without one is gone (crashed, or stopped): an ordered
// function starting up waits for a gone consumer's entries to become
// claimable before it reads (see takeOver). Takeover itself never relies
// on the key: only entries idle for ClaimMinIdle are taken. Writing the
// key is also the write probe: no instance takes over work while it
// fails.
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
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	failing := false
	for {
		err := h.f.probe(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			h.f.logger.Warn("liveness key not written: Redis refuses writes or is away; no takeover meanwhile", zap.Error(err))
			failing = true
		case err == nil && failing:
			h.f.logger.Info("liveness key written again")
			failing = false
		}
		select {
		case <-ctx.Done():
			c, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			h.f.rt.rdb.Del(c, aliveKey(h.f.Name, h.f.rt.cfg.ConsumerName))
			cancel()
			return
		case <-t.C:
		}
	}
}

// probe writes this instance's liveness key: it fails when Redis refuses
// writes (OOM under maxmemory, READONLY, LOADING) or is away.
func (f *function) probe(ctx context.Context) error {
	return f.rt.rdb.Set(ctx, aliveKey(f.Name, f.rt.cfg.ConsumerName), "1", heartbeatTTL).Err()
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
