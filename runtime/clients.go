package runtime

import (
	"cmp"
	"fmt"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// NewRedisClient builds a client from cfg.RedisURL. redis:// and rediss://
// (TLS) URLs are accepted, with user, password and database; the client
// reconnects by itself, so a Redis that goes away is retried, not fatal.
func NewRedisClient(cfg Config) (redis.UniversalClient, error) {
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", redactURLError(err, cfg.RedisURL))
	}
	// The reader sends its blocking XREADGROUP in a pipeline, which go-redis
	// bounds by ReadTimeout alone: give it the block on top of the usual
	// timeout (go-redis's default 3s unless the URL sets one).
	base := opts.ReadTimeout
	if base <= 0 {
		base = 3 * time.Second
	}
	opts.ReadTimeout = base + cfg.ReadBlock
	// At least go-redis's own default (10 per CPU, when the URL sets no
	// pool_size), and room for the function's invocations beside its reads.
	opts.PoolSize = max(cmp.Or(opts.PoolSize, 10*goruntime.GOMAXPROCS(0)), cfg.Concurrency*2+8)
	return redis.NewClient(opts), nil
}

// redactURLError keeps a password in REDIS_URL out of error messages.
func redactURLError(err error, url string) error {
	msg := err.Error()
	if i := strings.Index(url, "@"); i > 0 {
		msg = strings.ReplaceAll(msg, url[:i], "<redacted>")
	}
	return fmt.Errorf("%s", msg)
}

// NewLogger builds the process logger: JSON for production, console for
// development (cfg.LogFormat), at cfg.LogLevel.
func NewLogger(cfg Config) (*zap.Logger, error) {
	level, err := zapcore.ParseLevel(cfg.LogLevel)
	if err != nil {
		return nil, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	zc := zap.NewProductionConfig()
	if cfg.LogFormat == "console" {
		zc = zap.NewDevelopmentConfig()
	}
	zc.Level = zap.NewAtomicLevelAt(level)
	zc.DisableStacktrace = true
	logger, err := zc.Build()
	if err != nil {
		return nil, fmt.Errorf("logger: %w", err)
	}
	return logger, nil
}
