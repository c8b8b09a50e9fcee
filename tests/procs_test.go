package tests

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// stopTimeout bounds a process's exit after SIGTERM.
const stopTimeout = 15 * time.Second

// newShop returns an empty shop of the test environment whose processes
// are killed when the test ends, their output logged if it failed. It
// stops the shared shop first.
func newShop(t *testing.T) *shopkit.Shop {
	stopShared()
	return shopkit.NewShop(t, kit.Bin, testEnv()...)
}

// ownShop is the start of a test that needs a shop of its own: it empties
// Redis, starts every process of the shop on it and returns the shop, a
// client of its gateway and a Redis client.
func ownShop(t *testing.T) (*shopkit.Shop, api, redis.UniversalClient) {
	t.Helper()
	freshRedis(t)
	rdb := kit.Client(t)
	s := newShop(t)
	return s, api{t: t, base: s.StartAll()[shopkit.Gateway].URL()}, rdb
}

// testEnv is the environment of every process of the tests (but PORT).
func testEnv() []string {
	return []string{
		kit.RedisEnv(), "LOG_FORMAT=console",
		"RETRY_BACKOFF_BASE=100ms", "RETRY_POLL_INTERVAL=100ms",
		"CLAIM_MIN_IDLE=2s", "CLAIM_INTERVAL=500ms", "SHUTDOWN_TIMEOUT=3s", "READ_BLOCK=200ms",
	}
}

// ctx is a context for Redis calls in tests.
func ctx() context.Context { return context.Background() }
