package engine

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/partition"
)

// OpenFamilies resolves a Partitioned function's families: each is opened
// (created with Config.Partitions partitions if it does not exist yet, see
// partition.Open), and the function's Streams become every partition of
// every family, family by family, partition 0 first. It retries while
// Redis is unreachable and does nothing for a function that is not
// Partitioned or was resolved already.
func (f *Worker) OpenFamilies(ctx context.Context) error {
	if !f.Partitioned || f.families != nil {
		return nil
	}
	families := make([]partition.Family, 0, len(f.Streams))
	var streams []string
	for _, name := range f.Streams {
		b := backoff.New(100*time.Millisecond, 5*time.Second)
		for {
			fam, err := partition.Open(ctx, f.rdb.Client(), name, f.cfg.Partitions)
			if err == nil {
				if fam.Count != f.cfg.Partitions {
					f.logger.Info("family exists with its own partition count", zap.String("family", name),
						zap.Int("partitions", fam.Count), zap.Int("PARTITIONS", f.cfg.Partitions))
				}
				families = append(families, fam)
				streams = append(streams, fam.Streams()...)
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			f.logger.Warn("open partitioned family: retrying", zap.String("family", name), zap.Error(err))
			if !b.Wait(ctx) {
				return fmt.Errorf("open family %s: %w", name, ctx.Err())
			}
		}
	}
	f.families = families
	f.Streams = streams
	f.claims.Streams = streams
	return nil
}

// partitionStreams returns the streams of partition p of every family of
// the function (the streams one lease covers).
func (f *Worker) partitionStreams(p int) []string {
	var out []string
	for _, fam := range f.families {
		if p < fam.Count {
			out = append(out, fam.Stream(p))
		}
	}
	return out
}
