package runtime

import (
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/process"
)

// NewRedisClient builds a client from cfg.RedisURL. redis:// and rediss://
// (TLS) URLs are accepted, with user, password and database; the client
// reconnects by itself, so a Redis that goes away is retried, not fatal.
func NewRedisClient(cfg Config) (redis.UniversalClient, error) {
	return process.NewRedisClient(cfg.RedisURL, cfg.ReadBlock, cfg.Concurrency)
}

// NewLogger builds the process logger: JSON for production, console for
// development (cfg.LogFormat), at cfg.LogLevel.
func NewLogger(cfg Config) (*zap.Logger, error) {
	return process.NewLogger(cfg.LogLevel, cfg.LogFormat)
}
