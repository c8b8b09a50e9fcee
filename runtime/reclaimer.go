package runtime

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// reclaimer takes over entries nobody renews: every ClaimInterval, while
// Redis takes writes, it claims the entries of each stream idle for at
// least ClaimMinIdle (their holder died, is paused, or its invocation ran
// past its time; a live holder renews its entries, see renewer) and feeds
// them to the pool as recovered entries. It also picks up this consumer's
// own pending entries that nothing here tracks any more.
type reclaimer struct {
	f *function
}

func newReclaimer(f *function) *reclaimer { return &reclaimer{f: f} }

func (r *reclaimer) run(ctx, hard context.Context) {
	everyStream(ctx, r.f, r.f.rt.cfg.ClaimInterval, "reclaim failed", "reclaim recovered",
		func(stream string) error { return r.exec(ctx, hard, stream) })
}

// exec claims and dispatches idle entries of one stream.
func (r *reclaimer) exec(ctx, hard context.Context, stream string) error {
	n, err := r.f.claimIdle(ctx, stream)
	if err != nil {
		if redis.HasErrorPrefix(err, "NOGROUP") {
			return nil
		}
		return err
	}
	if n == 0 {
		return nil
	}
	return r.f.recoverOwn(ctx, hard, stream)
}
