package runtime

import (
	"context"

	"github.com/ordershop/functions/runtime/internal/failure"
	"github.com/ordershop/functions/runtime/internal/health"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// Permanent marks err as not worth retrying: the runtime dead-letters the
// event on this attempt. Permanent(nil) is nil.
func Permanent(err error) error { return failure.Permanent(err) }

// IsPermanent reports whether err, or an error it wraps, was marked Permanent.
func IsPermanent(err error) bool { return failure.IsPermanent(err) }

// DecodeError says a stream entry is not a well-formed event (a required
// field is missing or data is not a JSON object). It is always permanent.
// Its Reason says why; Error gives "malformed event: <reason>".
type DecodeError = failure.DecodeError

// UnknownTypeError is returned by TypeMux for an event type it has no
// handler for; its Type names it.
type UnknownTypeError = failure.UnknownTypeError

// PanicError is the failure a recovered handler panic turns into: Value
// is what was passed to panic, Stack the goroutine's stack then.
type PanicError = failure.PanicError

func isDecodeError(err error) bool { return failure.IsDecodeError(err) }

// ErrRingUnsupported is returned by Register and Run of a Runtime built
// with a *redis.Ring client: a Ring shards keys by its own hashing, not by
// hash slot, so the keys of one commit may land on several shards. A
// Cluster client (*redis.ClusterClient) is supported.
var ErrRingUnsupported = rdb.ErrRingUnsupported

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
