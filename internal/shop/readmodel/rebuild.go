package readmodel

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// Rebuild deletes the read model and projects the whole event log again
// with apply (the projector's reaction), merging every partition of every
// family events:<aggregate> of log in entry-id order (eventstore.ScanLog;
// each entity's events are in one partition, in order). Run it with the
// projector stopped; events apply fails permanently are skipped
// (runtime.IsPermanent: the live projector dead-letters them).
func Rebuild(ctx context.Context, rdb redis.UniversalClient, log *model.Log, apply func(context.Context, model.Event) error) (int, error) {
	if err := clearAll(ctx, rdb); err != nil {
		return 0, fmt.Errorf("rebuild: clear read model: %w", err)
	}
	n := 0
	err := eventstore.New(rdb, log).ScanLog(ctx, func(e model.Event) error {
		if err := apply(ctx, e); err != nil && !runtime.IsPermanent(err) {
			return fmt.Errorf("apply %s %s: %w", e.Stream, e.EntryID, err)
		}
		n++
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("rebuild: %w", err)
	}
	return n, nil
}

// clearAll deletes every key of the read model (and its LegacyKeys), one
// DEL per key (pipelined): on a Redis Cluster they are in several slots,
// and nothing reads the read model while it is rebuilt.
func clearAll(ctx context.Context, rdb redis.UniversalClient) error {
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range append(Keys(), LegacyKeys()...) {
			p.Del(ctx, k)
		}
		return nil
	})
	return err
}
