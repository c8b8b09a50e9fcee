package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// On a Redis Cluster a multi-key DEL must name keys of one slot, and SCAN,
// KEYS and FLUSHDB see one node: the measurements' cleanup deletes key by
// key (pipelined: a Cluster pipeline sends each DEL to its key's master)
// and scans and flushes every master.

// eachMaster runs fn on every master of a Cluster (concurrently), or on
// rdb itself.
func eachMaster(ctx context.Context, rdb redis.UniversalClient, fn func(context.Context, redis.Cmdable) error) error {
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error { return fn(ctx, node) })
	}
	return fn(ctx, rdb)
}

// keysMatching lists the keys matching pattern on every master (SCAN).
func keysMatching(ctx context.Context, rdb redis.UniversalClient, pattern string) ([]string, error) {
	var (
		mu   sync.Mutex
		keys []string
	)
	err := eachMaster(ctx, rdb, func(ctx context.Context, node redis.Cmdable) error {
		iter := node.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	})
	if err != nil {
		return keys, fmt.Errorf("SCAN %s: %w", pattern, err)
	}
	return keys, nil
}

// deleteKeys deletes keys, one DEL per key, in pipelines of 500.
func deleteKeys(ctx context.Context, rdb redis.UniversalClient, keys []string) error {
	for i := 0; i < len(keys); i += 500 {
		pipe := rdb.Pipeline()
		for _, k := range keys[i:min(i+500, len(keys))] {
			pipe.Del(ctx, k)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return fmt.Errorf("DEL: %w", err)
		}
	}
	return nil
}

// flushAll empties the database of every master (FLUSHDB).
func flushAll(ctx context.Context, rdb redis.UniversalClient) error {
	return eachMaster(ctx, rdb, func(ctx context.Context, node redis.Cmdable) error { return node.FlushDB(ctx).Err() })
}

// cleanup deletes keys and every key matching the patterns, on every
// master. It is best effort: a measurement's result stands without it.
func cleanup(rdb redis.UniversalClient, keys []string, patterns ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range patterns {
		found, _ := keysMatching(ctx, rdb, p)
		keys = append(keys, found...)
	}
	_ = deleteKeys(ctx, rdb, keys)
}
