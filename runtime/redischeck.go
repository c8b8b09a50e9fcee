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
// on /readyz; Err is the cause, for the log. Error gives both, Unwrap the
// cause.
type NotReadyError = health.NotReadyError

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
