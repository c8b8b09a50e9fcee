package runtime

import (
	"context"

	"github.com/ordershop/functions/runtime/internal/health"
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

// redisWritable reports whether Redis takes writes now: it SETs this
// instance's probe key (with a short TTL) and classifies a refusal (see
// health.Writable: a PING is not enough). It costs one round trip.
func (r *Runtime) redisWritable(ctx context.Context) error {
	reason, err := health.Writable(ctx, r.rdb, r.cfg.Namespace, r.cfg.ConsumerName)
	if err == nil {
		return nil
	}
	return &NotReadyError{Reason: reason, Err: err}
}
