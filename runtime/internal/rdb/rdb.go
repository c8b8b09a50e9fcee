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

// ErrClusterUnsupported is returned for a client that spreads keys over
// several nodes (*redis.ClusterClient, *redis.Ring): the commit script
// touches several streams and hashes at once, which a Cluster refuses
// (CROSSSLOT).
var ErrClusterUnsupported = errors.New("redis: a Cluster (or Ring) client is not supported yet; use a single-node or Sentinel client (redis.NewClient, redis.NewFailoverClient)")

// CheckClient refuses the clients the runtime cannot work with.
func CheckClient(client redis.UniversalClient) error {
	switch client.(type) {
	case *redis.ClusterClient, *redis.Ring:
		return ErrClusterUnsupported
	}
	return nil
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
