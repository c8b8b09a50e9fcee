package readmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/redis/go-redis/v9"
)

// Table is a hash of the read model holding JSON values of T by id: an
// aggregate's entities (EntityKey), the sent mails (MailsKey) or the
// order statuses. Page needs the hash's IndexKey, kept by the Writer.
type Table[T any] struct {
	rdb redis.UniversalClient
	key string
}

// Get returns the value of id; ok is false when it is absent (an unknown
// or deleted entity).
func (t Table[T]) Get(ctx context.Context, id string) (v T, ok bool, err error) {
	raw, err := t.rdb.HGet(ctx, t.key, id).Result()
	if errors.Is(err, redis.Nil) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("HGET %s %s: %w", t.key, id, err)
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return v, false, fmt.Errorf("decode %s %s: %w", t.key, id, err)
	}
	return v, true, nil
}

// All returns every value, sorted by id for stable answers.
func (t Table[T]) All(ctx context.Context) ([]T, error) {
	raw, err := t.rdb.HGetAll(ctx, t.key).Result()
	if err != nil {
		return nil, fmt.Errorf("HGETALL %s: %w", t.key, err)
	}
	ids := make([]string, 0, len(raw))
	for id := range raw {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		var v T
		if err := json.Unmarshal([]byte(raw[id]), &v); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", t.key, id, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// Page returns up to limit values in id order after the id after ("" for
// the first page).
func (t Table[T]) Page(ctx context.Context, after string, limit int) (Page[T], error) {
	ids, more, err := t.pageIDs(ctx, after, limit)
	if err != nil {
		return Page[T]{}, err
	}
	items, err := t.values(ctx, ids)
	if err != nil {
		return Page[T]{}, err
	}
	p := Page[T]{Items: items}
	if more {
		p.Next = ids[len(ids)-1]
	}
	return p, nil
}

// pageIDs returns up to limit ids of the index after the id after, and
// whether more follow.
func (t Table[T]) pageIDs(ctx context.Context, after string, limit int) ([]string, bool, error) {
	start := "-"
	if after != "" {
		start = "(" + after
	}
	ids, err := t.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: IndexKey(t.key), Start: start, Stop: "+", ByLex: true, Count: int64(limit) + 1,
	}).Result()
	if err != nil {
		return nil, false, fmt.Errorf("ZRANGE %s: %w", IndexKey(t.key), err)
	}
	if len(ids) > limit {
		return ids[:limit], true, nil
	}
	return ids, false, nil
}

// values reads the values of ids; ids no longer there (deleted meanwhile)
// are left out.
func (t Table[T]) values(ctx context.Context, ids []string) ([]T, error) {
	out := make([]T, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	raw, err := t.rdb.HMGet(ctx, t.key, ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("HMGET %s: %w", t.key, err)
	}
	for i, v := range raw {
		s, ok := v.(string)
		if !ok {
			continue
		}
		var item T
		if err := json.Unmarshal([]byte(s), &item); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", t.key, ids[i], err)
		}
		out = append(out, item)
	}
	return out, nil
}
