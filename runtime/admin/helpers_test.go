package admin_test

import (
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/ops"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// opsOnClosedRedis returns an Ops whose client is already closed.
func opsOnClosedRedis(t *testing.T) *ops.Ops {
	t.Helper()
	c := redis.NewClient(srv.Options())
	_ = c.Close()
	return opstest.Ops(c)
}
