package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// ReplayClaimTTL is how long ReplayClaimKey remembers a replayed entry.
const ReplayClaimTTL = 24 * time.Hour

// ReplayClaimKey marks a dead-letter entry as replayed, so that two
// replays of the same entry racing each other schedule it once (the
// runtime's task id protects only until the task has run).
func ReplayClaimKey(function, entryID string) string {
	return "ordershop:ops:{" + function + "}:replayed:" + entryID
}

// ReplayResult says what a replay did with each selected dead letter.
type ReplayResult struct {
	Function string `json:"function"`
	// Replayed counts entries handed to the function; each leaves its
	// dead-letter stream once its replay has settled (runtime.Replay).
	Replayed int `json:"replayed"`
	// Skipped are entries another replay has already scheduled.
	Skipped []string `json:"skipped"`
	// NotFound are selected ids that are not in the stream.
	NotFound []string `json:"not_found"`
	// Failed are entries that cannot be replayed (malformed), with why.
	Failed []Failure `json:"failed"`
}

// Failure is an entry an action could not apply to.
type Failure struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// Progress is told, after each entry, how many are done out of total
// (total is an estimate for All: the stream's length when it started).
type Progress func(done, total int)

// Replay runs the selected dead letters of function again through that
// function only (runtime.Replay): each becomes a task on the function's
// retry queue and leaves the dead-letter stream. If it fails again it
// returns to the stream with one more attempt. With All, entries written
// after the replay started are left alone. progress may be nil.
//
// An unknown function is ErrNotFound; ids not in the stream are reported in
// NotFound, not as an error. A Redis error stops the replay; the result
// says what was done before it.
func (o *Ops) Replay(ctx context.Context, function string, sel Selection, progress Progress) (ReplayResult, error) {
	res := ReplayResult{Function: function, Skipped: []string{}, NotFound: []string{}, Failed: []Failure{}}
	if err := sel.Validate(); err != nil {
		return res, err
	}
	if err := o.requireFunction(ctx, function); err != nil {
		return res, err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	key := runtime.DeadLetterStream(function)
	done := 0
	replayAll := func(xs []redis.XMessage, total int) error {
		for _, x := range xs {
			if err := o.replayOne(ctx, function, x, &res); err != nil {
				return err
			}
			done++
			progress(done, total)
		}
		return nil
	}
	if !sel.All {
		xs, missing, err := o.entries(ctx, key, sel.IDs)
		if err != nil {
			return res, err
		}
		res.NotFound = append(res.NotFound, missing...)
		return res, replayAll(xs, len(xs))
	}
	last, err := o.snapshot(ctx, key)
	if err != nil || last == "" {
		return res, err
	}
	total, err := o.rdb.XLen(ctx, key).Result()
	if err != nil {
		return res, fmt.Errorf("XLEN %s: %w", key, err)
	}
	return res, o.walk(ctx, key, last, func(xs []redis.XMessage) error { return replayAll(xs, int(total)) })
}

// replayOne claims and replays one entry, recording the outcome in res.
func (o *Ops) replayOne(ctx context.Context, function string, x redis.XMessage, res *ReplayResult) error {
	dl, err := runtime.ParseDeadLetter(x)
	if err != nil {
		res.Failed = append(res.Failed, Failure{ID: x.ID, Error: "malformed dead letter, cannot replay (purge it): " + err.Error()})
		return nil
	}
	if dl.Function != function {
		res.Failed = append(res.Failed, Failure{ID: x.ID, Error: fmt.Sprintf("dead letter of function %q, not %q", dl.Function, function)})
		return nil
	}
	claim := ReplayClaimKey(function, x.ID)
	ok, err := o.rdb.SetNX(ctx, claim, time.Now().UTC().Format(time.RFC3339Nano), ReplayClaimTTL).Result()
	if err != nil {
		return fmt.Errorf("claim %s: %w", x.ID, err)
	}
	if !ok {
		res.Skipped = append(res.Skipped, x.ID)
		return nil
	}
	if err := runtime.Replay(ctx, o.rdb, dl); err != nil {
		// Let a later replay try again: nothing was scheduled, or the
		// entry is still in the stream and the task id dedupes it.
		_ = o.rdb.Del(context.WithoutCancel(ctx), claim).Err()
		return err
	}
	res.Replayed++
	return nil
}
