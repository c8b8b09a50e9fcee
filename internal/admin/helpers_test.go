package admin_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/ops"
)

// opsOnClosedRedis returns an Ops whose client is already closed.
func opsOnClosedRedis(t *testing.T) *ops.Ops {
	t.Helper()
	c := redis.NewClient(srv.Options())
	_ = c.Close()
	return ops.New(c)
}
