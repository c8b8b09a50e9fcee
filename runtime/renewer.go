package runtime

import (
	"context"
	_ "embed"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

//go:embed renew.lua
var renewSource string

// renewScript claims entries to this consumer again, only those it still
// owns; see renew.lua.
var renewScript = redis.NewScript(renewSource)

// maxRenewIDs bounds the ids of one renewScript run.
const maxRenewIDs = 500

// claimOwn runs renewScript on ids of stream: their idle time is reset and,
// unless count is "", their delivery count set to count. It returns the
// ids this consumer no longer owns.
func (f *function) claimOwn(ctx context.Context, stream string, ids []string, count string) ([]string, error) {
	var lost []string
	for len(ids) > 0 {
		n := min(len(ids), maxRenewIDs)
		args := make([]any, 0, 3+n)
		args = append(args, f.Name, f.rt.cfg.ConsumerName, count)
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		ids = ids[n:]
		got, err := renewScript.Run(ctx, f.rt.rdb, []string{stream}, args...).StringSlice()
		if err != nil {
			return lost, err
		}
		lost = append(lost, got...)
	}
	return lost, nil
}

// renewer keeps every entry delivered to this instance and not settled
// claimed (read ahead, queued, running, parked), on a goroutine of its own
// that never waits for intake: every ClaimInterval, which Validate keeps
// under half of ClaimMinIdle, it resets their idle time, so that peers,
// which take over only entries idle for ClaimMinIdle, never take work
// that is merely waiting here. An invocation that has run past its
// Timeout is no longer renewed. An entry found owned by another consumer
// is dropped from the tracked set: it is not run here again.
type renewer struct {
	f *function
}

func newRenewer(f *function) *renewer { return &renewer{f: f} }

func (r *renewer) run(ctx context.Context) {
	everyStream(ctx, r.f, r.f.rt.cfg.ClaimInterval,
		"renew delivered entries failed: peers may take them over after CLAIM_MIN_IDLE", "renew delivered entries recovered",
		func(stream string) error { return r.renew(ctx, stream) })
}

// renew renews this instance's entries of stream.
func (r *renewer) renew(ctx context.Context, stream string) error {
	f := r.f
	ids := f.inflight.renewable(stream, time.Now())
	if len(ids) == 0 {
		return nil
	}
	lost, err := f.claimOwn(ctx, stream, ids, "")
	for _, id := range lost {
		f.inflight.remove(stream, id)
	}
	if len(lost) > 0 {
		f.logger.Warn("entries taken over by another consumer: not run here again", zap.String("stream", stream), zap.Int("count", len(lost)))
	}
	return err
}

// unread collects the entries delivered to this instance that never
// started, to give their delivery back at shutdown.
type unread struct {
	mu  sync.Mutex
	ids map[string][]string // by stream
}

// giveBack notes that stream/id was delivered here and never started.
func (f *function) giveBack(stream, id string) {
	f.unread.mu.Lock()
	if f.unread.ids == nil {
		f.unread.ids = map[string][]string{}
	}
	f.unread.ids[stream] = append(f.unread.ids[stream], id)
	f.unread.mu.Unlock()
}

// returnUnread sets the delivery count of the entries noted by giveBack
// back to 0, so that a delivery that never ran uses no attempt.
func (f *function) returnUnread(ctx context.Context) {
	f.unread.mu.Lock()
	ids := f.unread.ids
	f.unread.ids = nil
	f.unread.mu.Unlock()
	for stream, list := range ids {
		if _, err := f.claimOwn(ctx, stream, list, "0"); err != nil {
			f.logger.Warn("give back unread deliveries", zap.String("stream", stream), zap.Int("count", len(list)), zap.Error(err))
		}
	}
}
