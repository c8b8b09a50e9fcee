package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// ErrClusterUnsupported is returned by Register and Run of a Runtime built
// with a client that spreads keys over several nodes (*redis.ClusterClient,
// *redis.Ring): the commit script touches several streams and hashes at
// once, which a Cluster refuses (CROSSSLOT).
var ErrClusterUnsupported = rdb.ErrClusterUnsupported

// NotReadyError is why a Runtime is not ready. Reason is one of a fixed set
// of phrases (never Redis's own words, which may name hosts), safe to show
// on /readyz; Err is the cause, for the log.
type NotReadyError struct {
	Reason string
	Err    error
}

// Error gives the reason and the cause.
func (e *NotReadyError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return e.Reason + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *NotReadyError) Unwrap() error { return e.Err }

// probeTTL is how long a write probe's key lives.
const probeTTL = 10 * time.Second

// redisWritable reports whether Redis takes writes now: it SETs this
// instance's probe key (with a short TTL) and classifies a refusal. A PING
// is not enough: at maxmemory (OOM), on a replica (READONLY) or while
// loading (LOADING) Redis answers PING but refuses every write, so nothing
// can be committed. It costs one round trip; callers that must not take
// over work while Redis refuses writes can call it first.
func (r *Runtime) redisWritable(ctx context.Context) error {
	err := r.rdb.Probe(ctx, r.cfg.Namespace, r.cfg.ConsumerName, probeTTL)
	if err == nil {
		return nil
	}
	reason := "redis unreachable"
	switch {
	case redis.HasErrorPrefix(err, "OOM"):
		reason = "redis refuses writes: out of memory (maxmemory reached)"
	case redis.HasErrorPrefix(err, "READONLY"):
		reason = "redis refuses writes: read-only replica"
	case redis.HasErrorPrefix(err, "LOADING"):
		reason = "redis refuses writes: loading its dataset"
	case redis.HasErrorPrefix(err, "MISCONF"):
		reason = "redis refuses writes: it cannot persist (MISCONF)"
	case isRedisReply(err):
		reason = "redis refuses writes"
	}
	return &NotReadyError{Reason: reason, Err: err}
}

// isRedisReply reports whether err is an error reply of Redis (as opposed
// to a network or context error).
func isRedisReply(err error) bool { return rdb.IsReply(err) }

// checkEvictionPolicy reads maxmemory-policy at start-up and refuses any
// policy but noeviction unless cfg.AllowEviction: under allkeys-* Redis
// evicts streams and pending lists, under volatile-* idempotency records
// and liveness keys, so events are lost or run twice. A Redis that does
// not let the runtime read its configuration (CONFIG disabled or not
// permitted, as on many managed services) is accepted with a warning. It
// waits for an unreachable Redis like the rest of start-up.
func (r *Runtime) checkEvictionPolicy(ctx context.Context) error {
	b := backoff.New(100*time.Millisecond, 5*time.Second)
	for {
		policy, err := r.rdb.ConfigValue(ctx, "maxmemory-policy")
		switch {
		case err == nil:
			if lazy, _ := r.rdb.ConfigValue(ctx, "lazyfree-lazy-expire"); lazy == "no" {
				r.logger.Info("lazyfree-lazy-expire is no: Redis frees each expiring idempotency hash on its main thread (a few ms per 10,000 records); yes frees them in the background")
			}
			return r.judgePolicy(policy)
		case isRedisReply(err) && !retryable(err):
			r.logger.Warn("cannot read maxmemory-policy (CONFIG not allowed): make sure it is noeviction, or Redis may drop events and records",
				zap.Error(err))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.logger.Warn("read maxmemory-policy: retrying", zap.Error(err))
		if !b.Wait(ctx) {
			return ctx.Err()
		}
	}
}

// retryable reports the error replies that say "not now" (loading, not
// authenticated yet) rather than "not allowed".
func retryable(err error) bool {
	for _, p := range []string{"LOADING", "NOAUTH", "WRONGPASS", "BUSY", "MASTERDOWN"} {
		if redis.HasErrorPrefix(err, p) {
			return true
		}
	}
	return false
}

func (r *Runtime) judgePolicy(policy string) error {
	switch {
	case policy == "noeviction":
		return nil
	case policy == "":
		r.logger.Warn("redis did not report maxmemory-policy: make sure it is noeviction")
		return nil
	case r.cfg.AllowEviction:
		r.logger.Warn("redis may evict keys: events, pending entries or idempotency records can be lost (ALLOW_EVICTION=true)",
			zap.String("maxmemory-policy", policy))
		return nil
	}
	return fmt.Errorf("redis maxmemory-policy is %s: Redis would evict streams, pending entries or idempotency records and lose or repeat events; set it to noeviction (CONFIG SET maxmemory-policy noeviction), or set ALLOW_EVICTION=true (Config.AllowEviction) to accept the risk", policy)
}
