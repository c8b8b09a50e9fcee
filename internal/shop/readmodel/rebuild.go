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
// with apply (the projector's reaction), merging every events:* stream in
// entry-id order. Run it with the projector stopped; events apply fails
// permanently are skipped (runtime.IsPermanent: the live projector
// dead-letters them).
func Rebuild(ctx context.Context, rdb redis.UniversalClient, apply func(context.Context, model.Event) error) (int, error) {
	if err := rdb.Del(ctx, Keys()...).Err(); err != nil {
		return 0, fmt.Errorf("rebuild: clear read model: %w", err)
	}
	store := eventstore.New(rdb)
	const page = 500
	streams := model.Streams()
	heads := make([][]model.Event, len(streams))
	after := make([]string, len(streams))
	for i := range after {
		after[i] = "0"
	}
	n := 0
	for {
		next := -1
		for i, s := range streams {
			if len(heads[i]) == 0 && after[i] != "" {
				evs, err := store.Range(ctx, s, after[i], page)
				if err != nil {
					return n, fmt.Errorf("rebuild: %w", err)
				}
				heads[i], after[i] = evs, ""
				if len(evs) == page {
					after[i] = evs[len(evs)-1].EntryID
				}
			}
			if len(heads[i]) > 0 && (next < 0 || runtime.CompareIDs(heads[i][0].EntryID, heads[next][0].EntryID) < 0) {
				next = i
			}
		}
		if next < 0 {
			return n, nil
		}
		e := heads[next][0]
		heads[next] = heads[next][1:]
		if err := apply(ctx, e); err != nil && !runtime.IsPermanent(err) {
			return n, fmt.Errorf("rebuild: apply %s %s: %w", e.Stream, e.EntryID, err)
		}
		n++
	}
}
