// Package rdb is every Redis command and Lua script of the runtime: the
// consumer-group calls of the reader, reclaimer, renewer and janitor, the
// group commit and idempotency records (commit.lua, lookup.lua), renewal
// (renew.lua), liveness and write-probe keys, the function registry,
// read-your-writes positions, dead-letter counts and the start-up checks.
// Every key it touches is named in keys.go. It knows nothing of handlers,
// pools or retries: package runtime decides, rdb talks to Redis.
package rdb

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/redis/go-redis/v9"
)

// RDB is the runtime's connection to one Redis.
type RDB struct {
	client redis.UniversalClient
}

// New wraps client.
func New(client redis.UniversalClient) *RDB { return &RDB{client: client} }

// Client is the wrapped client (for asynq, which brings its own commands).
func (r *RDB) Client() redis.UniversalClient { return r.client }

// ErrRingUnsupported is returned for a *redis.Ring client: a Ring shards
// keys by its own hashing, without hash slots, so the commit script's keys
// of one slot may land on several shards.
var ErrRingUnsupported = errors.New("redis: a Ring client is not supported; use a single-node, Sentinel or Cluster client (redis.NewClient, redis.NewFailoverClient, redis.NewClusterClient)")

// CheckClient refuses the clients the runtime cannot work with.
func CheckClient(client redis.UniversalClient) error {
	if _, ok := client.(*redis.Ring); ok {
		return ErrRingUnsupported
	}
	return nil
}

// ConfigValues reads one CONFIG parameter of every master: one value on a
// single node, one per master on a Cluster (where each node has its own
// configuration).
func (r *RDB) ConfigValues(ctx context.Context, name string) ([]string, error) {
	cc, ok := r.client.(*redis.ClusterClient)
	if !ok {
		v, err := r.ConfigValue(ctx, name)
		return []string{v}, err
	}
	var mu sync.Mutex
	var out []string
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		res, err := c.ConfigGet(ctx, name).Result()
		if err != nil {
			return fmt.Errorf("CONFIG GET %s on %s: %w", name, c.Options().Addr, err)
		}
		mu.Lock()
		out = append(out, res[name])
		mu.Unlock()
		return nil
	})
	return out, err
}

// ConfigValue reads one CONFIG parameter ("" if Redis does not report it).
func (r *RDB) ConfigValue(ctx context.Context, name string) (string, error) {
	res, err := r.client.ConfigGet(ctx, name).Result()
	if err != nil {
		return "", fmt.Errorf("CONFIG GET %s: %w", name, err)
	}
	return res[name], nil
}

// IsReply reports whether err is an error reply of Redis (as opposed to a
// network or context error).
func IsReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// IsNoGroup reports whether err says the stream or its group is missing.
func IsNoGroup(err error) bool { return redis.HasErrorPrefix(err, "NOGROUP") }
