package shopkit

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TestRedisVar is the environment variable that picks the Redis a test
// package of the shop runs on when its TestMain asks ClusterFromEnv:
// unset, "" or "single" for one redis-server, "cluster" for a Redis
// Cluster of three masters without replicas.
const TestRedisVar = "ORDERSHOP_TEST_REDIS"

// ClusterFromEnv returns the cluster options that $ORDERSHOP_TEST_REDIS
// asks for (Setup.Cluster): nil for one redis-server, three masters
// without replicas, in memory, for "cluster"; any other value is an
// error.
func ClusterFromEnv() (*redistest.ClusterOptions, error) {
	switch v := os.Getenv(TestRedisVar); v {
	case "", "single":
		return nil, nil
	case "cluster":
		return &redistest.ClusterOptions{Masters: 3}, nil
	default:
		return nil, fmt.Errorf("%s=%q: want single or cluster", TestRedisVar, v)
	}
}

// IsCluster reports whether the package runs on a Redis Cluster
// (Env.Cluster) rather than one redis-server (Env.Redis).
func (e *Env) IsCluster() bool { return e.Cluster != nil }

// Client returns a client of the package's Redis, closed when the test
// ends: a *redis.ClusterClient on a Cluster, else a *redis.Client.
func (e *Env) Client(t testing.TB) redis.UniversalClient {
	t.Helper()
	switch {
	case e.Cluster != nil:
		return e.Cluster.Client(t)
	case e.Redis != nil:
		return e.Redis.Client(t)
	}
	t.Fatal("shopkit: the package has no Redis (Setup.Redis or Setup.Cluster)")
	return nil
}

// RedisEnv is the environment line that points a process of the shop at
// the package's Redis: REDIS_CLUSTER_URL=… on a Cluster, else
// REDIS_URL=….
func (e *Env) RedisEnv() string {
	if e.Cluster != nil {
		return "REDIS_CLUSTER_URL=" + e.Cluster.URL()
	}
	if e.Redis != nil {
		return "REDIS_URL=" + e.Redis.URL()
	}
	return ""
}

// FlushAll empties the package's Redis: every master of a Cluster.
func (e *Env) FlushAll(t testing.TB) {
	t.Helper()
	if e.Cluster != nil {
		if err := e.Cluster.FlushAll(context.Background()); err != nil {
			t.Fatalf("%v", err)
		}
		return
	}
	if e.Redis == nil {
		t.Fatal("shopkit: the package has no Redis (Setup.Redis or Setup.Cluster)")
	}
	e.Redis.FlushAll(t)
}

// SingleNode returns the package's one redis-server for a test that
// stops or restarts it, and fails the test on a Cluster, where that test
// does not apply (it is not selected for the Cluster pass).
func (e *Env) SingleNode(t testing.TB) *redistest.Server {
	t.Helper()
	if e.Redis == nil {
		t.Fatalf("shopkit: this test needs one redis-server, not a Cluster (%s=cluster)", TestRedisVar)
	}
	return e.Redis
}

// ForEachMaster runs fn on every master of rdb: each master of a
// *redis.ClusterClient (in parallel, as go-redis does), else rdb's one
// node. Commands about the whole keyspace (KEYS, SCAN, DBSIZE, FLUSHALL)
// go through it, since a Cluster routes them to one node only.
func ForEachMaster(ctx context.Context, rdb redis.UniversalClient, fn func(ctx context.Context, node *redis.Client) error) error {
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, fn)
	case *redis.Client:
		return fn(ctx, c)
	default:
		return fmt.Errorf("shopkit: a %T is neither a *redis.Client nor a *redis.ClusterClient", rdb)
	}
}

// Keys returns every key matching pattern on every master of rdb
// (KEYS on each: test data only), sorted.
func Keys(ctx context.Context, rdb redis.UniversalClient, pattern string) ([]string, error) {
	var mu sync.Mutex
	var out []string
	err := ForEachMaster(ctx, rdb, func(ctx context.Context, node *redis.Client) error {
		ks, err := node.Keys(ctx, pattern).Result()
		if err != nil {
			return fmt.Errorf("KEYS %s on %s: %w", pattern, node.Options().Addr, err)
		}
		mu.Lock()
		out = append(out, ks...)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(out)
	return out, nil
}
