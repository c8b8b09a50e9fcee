package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// janitor removes consumers that are gone from the function's groups: a
// consumer (other than this one) with nothing pending and idle for longer
// than ConsumerGoneAfter. Consumers with pending entries are left to the
// reclaimer first, so that deleting one never drops its entries.
type janitor struct {
	f *function
}

func newJanitor(f *function) *janitor { return &janitor{f: f} }

func (j *janitor) run(ctx context.Context) {
	every := min(max(j.f.rt.cfg.ConsumerGoneAfter/4, time.Second), 5*time.Minute)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, s := range j.f.Streams {
				j.exec(ctx, s)
			}
		}
	}
}

func (j *janitor) exec(ctx context.Context, stream string) {
	f := j.f
	consumers, err := f.rt.rdb.XInfoConsumers(ctx, stream, f.Name).Result()
	if err != nil {
		return
	}
	for _, c := range consumers {
		if c.Name == f.rt.cfg.ConsumerName || c.Pending > 0 || c.Idle < f.rt.cfg.ConsumerGoneAfter {
			continue
		}
		if err := f.rt.rdb.XGroupDelConsumer(ctx, stream, f.Name, c.Name).Err(); err != nil {
			f.logger.Warn("delete gone consumer", zap.String("consumer", c.Name), zap.Error(err))
			continue
		}
		f.logger.Info("deleted gone consumer", zap.String("stream", stream), zap.String("consumer", c.Name), zap.Duration("idle", c.Idle))
	}
}
