// Package health is what the runtime checks of Redis: its eviction policy
// at start-up, whether it takes writes (the readiness probe), and, at each
// scrape, how many dead letters wait.
package health

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// probeTTL is how long a write probe's key lives.
const probeTTL = 10 * time.Second

// Writable reports whether Redis takes writes now: it SETs consumer's
// probe key in namespace (with a short TTL) and classifies a refusal in
// reason, a fixed phrase safe to show (never Redis's own words). A PING
// is not enough: at maxmemory (OOM), on a replica (READONLY) or while
// loading (LOADING) Redis answers PING but refuses every write, so
// nothing can be committed. It costs one round trip.
func Writable(ctx context.Context, r *rdb.RDB, namespace, consumer string) (reason string, err error) {
	err = r.Probe(ctx, namespace, consumer, probeTTL)
	if err == nil {
		return "", nil
	}
	reason = "redis unreachable"
	switch {
	case redis.HasErrorPrefix(err, "OOM"):
		reason = "redis refuses writes: out of memory (maxmemory reached)"
	case redis.HasErrorPrefix(err, "READONLY"):
		reason = "redis refuses writes: read-only replica"
	case redis.HasErrorPrefix(err, "LOADING"):
		reason = "redis refuses writes: loading its dataset"
	case redis.HasErrorPrefix(err, "MISCONF"):
		reason = "redis refuses writes: it cannot persist (MISCONF)"
	case rdb.IsReply(err):
		reason = "redis refuses writes"
	}
	return reason, err
}

// CheckEvictionPolicy reads maxmemory-policy at start-up and refuses any
// policy but noeviction unless allowEviction: under allkeys-* Redis
// evicts streams and pending lists, under volatile-* idempotency records
// and liveness keys, so events are lost or run twice. A Redis that does
// not let the runtime read its configuration (CONFIG disabled or not
// permitted, as on many managed services) is accepted with a warning. It
// waits for an unreachable Redis like the rest of start-up.
func CheckEvictionPolicy(ctx context.Context, r *rdb.RDB, logger *zap.Logger, allowEviction bool) error {
	b := backoff.New(100*time.Millisecond, 5*time.Second)
	for {
		policies, err := r.ConfigValues(ctx, "maxmemory-policy")
		switch {
		case err == nil:
			if lazy, _ := r.ConfigValue(ctx, "lazyfree-lazy-expire"); lazy == "no" {
				logger.Info("lazyfree-lazy-expire is no: Redis frees each expiring idempotency hash on its main thread (a few ms per 10,000 records); yes frees them in the background")
			}
			// Every master of a Cluster: one that evicts loses its slots' data.
			for _, policy := range policies {
				if err := judgePolicy(policy, logger, allowEviction); err != nil {
					return err
				}
			}
			return nil
		case rdb.IsReply(err) && !retryable(err):
			logger.Warn("cannot read maxmemory-policy (CONFIG not allowed): make sure it is noeviction, or Redis may drop events and records",
				zap.Error(err))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		logger.Warn("read maxmemory-policy: retrying", zap.Error(err))
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

func judgePolicy(policy string, logger *zap.Logger, allowEviction bool) error {
	switch {
	case policy == "noeviction":
		return nil
	case policy == "":
		logger.Warn("redis did not report maxmemory-policy: make sure it is noeviction")
		return nil
	case allowEviction:
		logger.Warn("redis may evict keys: events, pending entries or idempotency records can be lost (ALLOW_EVICTION=true)",
			zap.String("maxmemory-policy", policy))
		return nil
	}
	return fmt.Errorf("redis maxmemory-policy is %s: Redis would evict streams, pending entries or idempotency records and lose or repeat events; set it to noeviction (CONFIG SET maxmemory-policy noeviction), or set ALLOW_EVICTION=true (Config.AllowEviction) to accept the risk", policy)
}

// NotReadyError is why a Runtime is not ready (runtime.NotReadyError).
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

// Reason returns the reason of a *NotReadyError in err's chain, safe to
// show on /readyz; false if there is none.
func Reason(err error) (string, bool) {
	var nr *NotReadyError
	if errors.As(err, &nr) {
		return nr.Reason, true
	}
	return "", false
}
