// Package process builds and runs a function process (runtime.Main): its
// Redis client and logger from the configuration, and the run of the
// runtime beside its HTTP server and background duty until a signal,
// with the drain order.
package process

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

// NewRedisClient builds a client from url (redis:// or rediss://). The
// reader's block (readBlock) is added to the read timeout, and the pool
// has room for concurrency invocations beside the reads.
func NewRedisClient(url string, readBlock time.Duration, concurrency int) (redis.UniversalClient, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", redactURLError(err, url))
	}
	// The reader sends its blocking XREADGROUP in a pipeline, which go-redis
	// bounds by ReadTimeout alone: give it the block on top of the usual
	// timeout (go-redis's default 3s unless the URL sets one).
	base := opts.ReadTimeout
	if base <= 0 {
		base = 3 * time.Second
	}
	opts.ReadTimeout = base + readBlock
	// At least go-redis's own default (10 per CPU, when the URL sets no
	// pool_size), and room for the function's invocations beside its reads.
	opts.PoolSize = max(cmp.Or(opts.PoolSize, 10*goruntime.GOMAXPROCS(0)), concurrency*2+8)
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

// NewLogger builds the process logger: JSON, or console when format is
// "console", at level.
func NewLogger(level, format string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	zc := zap.NewProductionConfig()
	if format == "console" {
		zc = zap.NewDevelopmentConfig()
	}
	zc.Level = zap.NewAtomicLevelAt(lvl)
	zc.DisableStacktrace = true
	logger, err := zc.Build()
	if err != nil {
		return nil, fmt.Errorf("logger: %w", err)
	}
	return logger, nil
}
