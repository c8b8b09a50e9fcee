package tenure

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/partition"
)

// Open resolves the partitioned families names: each is opened (created
// with count partitions if it does not exist yet, see partition.Open),
// and streams lists every partition of every family, family by family,
// partition 0 first. It retries while Redis is unreachable.
func Open(ctx context.Context, client redis.UniversalClient, logger *zap.Logger, names []string, count int) (families []partition.Family, streams []string, err error) {
	families = make([]partition.Family, 0, len(names))
	for _, name := range names {
		b := backoff.New(100*time.Millisecond, 5*time.Second)
		for {
			fam, err := partition.Open(ctx, client, name, count)
			if err == nil {
				if fam.Count != count {
					logger.Info("family exists with its own partition count", zap.String("family", name),
						zap.Int("partitions", fam.Count), zap.Int("PARTITIONS", count))
				}
				families = append(families, fam)
				streams = append(streams, fam.Streams()...)
				break
			}
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			logger.Warn("open partitioned family: retrying", zap.String("family", name), zap.Error(err))
			if !b.Wait(ctx) {
				return nil, nil, fmt.Errorf("open family %s: %w", name, ctx.Err())
			}
		}
	}
	return families, streams, nil
}

// Streams returns the streams of partition p of every family (the
// streams one lease covers).
func Streams(families []partition.Family, p int) []string {
	var out []string
	for _, fam := range families {
		if p < fam.Count {
			out = append(out, fam.Stream(p))
		}
	}
	return out
}

// Count is the number of partitions the leases cover: the largest
// family's count.
func Count(families []partition.Family) int {
	n := 0
	for _, fam := range families {
		n = max(n, fam.Count)
	}
	return n
}
