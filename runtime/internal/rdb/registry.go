package rdb

import (
	"context"
	"fmt"
)

// Register writes one function's description (JSON) to the registry hash
// key, under its name.
func (r *RDB) Register(ctx context.Context, key, function string, info []byte) error {
	if err := r.client.HSet(ctx, key, function, info).Err(); err != nil {
		return fmt.Errorf("register %s in %s: %w", function, key, err)
	}
	return nil
}

// Registered returns every description in the registry hash key, by
// function name.
func (r *RDB) Registered(ctx context.Context, key string) (map[string]string, error) {
	all, err := r.client.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("HGETALL %s: %w", key, err)
	}
	return all, nil
}
