package rdb

import (
	"context"
	"fmt"
	"time"
)

// SetAlive writes this consumer's liveness key of its group, for ttl. It
// is also the write probe of takeover: it fails when Redis refuses writes
// (OOM under maxmemory, READONLY, LOADING) or is away.
func (c *Consumer) SetAlive(ctx context.Context, ttl time.Duration) error {
	if err := c.client.Set(ctx, AliveKey(c.Group, c.Name), "1", ttl).Err(); err != nil {
		return fmt.Errorf("write liveness key: %w", err)
	}
	return nil
}

// DeleteAlive deletes this consumer's liveness key (a clean stop).
func (c *Consumer) DeleteAlive(ctx context.Context) error {
	return c.client.Del(ctx, AliveKey(c.Group, c.Name)).Err()
}

// IsAlive reports whether consumer of the group has a liveness key.
func (c *Consumer) IsAlive(ctx context.Context, consumer string) (bool, error) {
	n, err := c.client.Exists(ctx, AliveKey(c.Group, consumer)).Result()
	if err != nil {
		return false, fmt.Errorf("EXISTS liveness key of %s: %w", consumer, err)
	}
	return n > 0, nil
}

// Probe writes the instance's readiness probe key (namespace and consumer
// name it, see ProbeKey) for ttl; the error is Redis's own, so that the
// caller can tell a refusal (IsReply) from an outage.
func (r *RDB) Probe(ctx context.Context, namespace, consumer string, ttl time.Duration) error {
	return r.client.Set(ctx, ProbeKey(namespace, consumer), "1", ttl).Err()
}
