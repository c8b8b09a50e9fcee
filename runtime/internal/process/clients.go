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
	opts.ReadTimeout = readTimeout(opts.ReadTimeout, readBlock)
	opts.PoolSize = poolSize(opts.PoolSize, concurrency)
	return redis.NewClient(opts), nil
}

// ClusterStateReload is how old a cluster client's slot map may get before
// the next command reloads it (CLUSTER SLOTS, in the background). go-redis
// reloads it on a MOVED, but not when the master it routes a slot to is
// unreachable: with its default of 60s, a slot failed over to a replica
// would be sent to the dead master for up to a minute.
const ClusterStateReload = 2 * time.Second

// NewRedisClusterClient builds a Redis Cluster client from url, in
// go-redis's cluster URL form (redis.ParseClusterURL): redis:// or
// rediss://, [user:password@]host:port?addr=host:port&addr=..., every
// address a seed. Read timeout and pool (per node) as NewRedisClient.
func NewRedisClusterClient(url string, readBlock time.Duration, concurrency int) (*redis.ClusterClient, error) {
	opts, err := redis.ParseClusterURL(url)
	if err != nil {
		return nil, fmt.Errorf("REDIS_CLUSTER_URL: %w", redactURLError(err, url))
	}
	opts.ReadTimeout = readTimeout(opts.ReadTimeout, readBlock)
	opts.PoolSize = poolSize(opts.PoolSize, concurrency)
	opts.ClusterStateReloadInterval = ClusterStateReload
	return redis.NewClusterClient(opts), nil
}

// readTimeout is the read timeout for a reader blocking readBlock: the
// reader sends its blocking XREADGROUP in a pipeline, which go-redis
// bounds by ReadTimeout alone, so it gets the block on top of the usual
// timeout (set, the URL's; else go-redis's default 3s).
func readTimeout(set, readBlock time.Duration) time.Duration {
	if set <= 0 {
		set = 3 * time.Second
	}
	return set + readBlock
}

// poolSize is at least go-redis's own default (10 per CPU, when the URL
// sets no pool_size), and room for concurrency invocations beside the
// function's reads.
func poolSize(set, concurrency int) int {
	return max(cmp.Or(set, 10*goruntime.GOMAXPROCS(0)), concurrency*2+8)
}

// redactURLError keeps a password in REDIS_URL or REDIS_CLUSTER_URL out
// of error messages.
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
