package inspect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/internal/streamid"
)

// MaxSelectedIDs bounds the ids one Selection may name; use All (with a
// Filter) for more.
const MaxSelectedIDs = 1000

// ReplayClaimPending is how long ReplayClaimKey holds a dead letter while
// its replay is being scheduled: a replay that dies (crash, SIGKILL, lost
// Redis connection) between claiming the entry and enqueuing its task
// leaves the entry unreplayable for at most this long, then any replay
// claims it again.
const ReplayClaimPending = 30 * time.Second

// ReplayClaimTTL is how long ReplayClaimKey remembers a dead letter whose
// replay has been scheduled: replays within it skip the entry.
const ReplayClaimTTL = 24 * time.Hour

// ReplayClaimKey marks a dead-letter entry as being replayed, so that two
// replays of the same entry racing each other schedule it once and report
// it once as replayed (and later ones as skipped):
// fn:{<function>}:replayed:<dead-letter id>. It is set, only if absent,
// for ReplayClaimPending while the replay's task is enqueued, then kept
// ReplayClaimTTL. An expired claim is never a second run: the task id
// (derived from the entry id) is taken while the task waits or runs, and
// a task whose dead letter has already left the stream is dropped.
func ReplayClaimKey(function, entryID string) string {
	return "fn:{" + function + "}:replayed:" + entryID
}

// Selection says which dead letters of a function an action applies to:
// the entries with IDs, or All of them that match Filter. Exactly one of
// IDs and All must be given; there is no default, so that nothing is
// replayed or purged by accident.
type Selection struct {
	IDs []string `json:"ids,omitempty"`
	All bool     `json:"all,omitempty"`
	// Filter, with All, narrows it to the dead letters that match (the
	// zero filter: every one). It cannot be combined with IDs.
	Filter DeadLetterFilter `json:"-"`
}

// Validate reports a selection that names nothing, both ids and all, too
// many ids, a malformed id or a filter beside ids, as ErrInvalid.
func (s Selection) Validate() error {
	switch {
	case s.All && len(s.IDs) > 0:
		return fmt.Errorf("give ids or all, not both: %w", ErrInvalid)
	case !s.All && len(s.IDs) == 0:
		return fmt.Errorf("give the entry ids, or all: %w", ErrInvalid)
	case len(s.IDs) > MaxSelectedIDs:
		return fmt.Errorf("%d ids, at most %d (use all): %w", len(s.IDs), MaxSelectedIDs, ErrInvalid)
	case len(s.IDs) > 0 && !s.Filter.IsZero():
		return fmt.Errorf("a filter applies to all, not to ids: %w", ErrInvalid)
	}
	for _, id := range s.IDs {
		if err := validEntryID(id); err != nil {
			return err
		}
	}
	return nil
}

// Progress is told, after each selected entry, how many are done out of
// total. For All, total is the stream's length when the action started
// (an upper bound: some entries may not match).
type Progress func(done, total int)

// ReplayResult says what a replay did with each selected dead letter.
type ReplayResult struct {
	Function string `json:"function"`
	// Replayed counts entries handed to the function; each leaves its
	// dead-letter stream once its replay has settled (see Replay).
	Replayed int `json:"replayed"`
	// Skipped are entries another replay has claimed (it is scheduling
	// them, or has scheduled them within ReplayClaimTTL) or whose replay
	// task is already waiting or running: they are not scheduled again.
	Skipped []string `json:"skipped"`
	// NotFound are selected ids that are not in the stream.
	NotFound []string `json:"not_found"`
	// Failed are entries that cannot be replayed (malformed, truncated, of
	// another function), with why.
	Failed []Failure `json:"failed"`
}

// Failure is an entry an action could not apply to.
type Failure struct {
	ID    string `json:"id"`
	Error string `json:"error"`
}

// Replay runs the selected dead letters of function again through that
// function only (see the package func Replay): each becomes a task on the
// function's retry queue and leaves the dead-letter stream once it has
// settled; failing again, it returns with one more attempt. Each entry is
// claimed first (ReplayClaimKey), so concurrent replays schedule it once;
// a replay that dies before scheduling an entry it claimed leaves it
// skipped for at most ReplayClaimPending.
// With All, every matching entry is replayed, without a cap, up to the
// newest one when the replay started. progress may be nil.
//
// An unknown function is ErrNotFound, an invalid selection ErrInvalid;
// ids not in the stream are reported in NotFound, not as an error. A
// Redis error stops the replay; the result says what was done before it.
func (i *Inspector) Replay(ctx context.Context, function string, sel Selection, progress Progress) (ReplayResult, error) {
	res := ReplayResult{Function: function, Skipped: []string{}, NotFound: []string{}, Failed: []Failure{}}
	if err := sel.Validate(); err != nil {
		return res, err
	}
	if progress == nil {
		progress = func(int, int) {}
	}
	done := 0
	if !sel.All {
		dls, missing, err := i.DeadLettersByID(ctx, function, sel.IDs)
		if err != nil {
			return res, err
		}
		res.NotFound = append(res.NotFound, missing...)
		for _, dl := range dls {
			if err := i.replayOne(ctx, function, dl, &res); err != nil {
				return res, err
			}
			done++
			progress(done, len(dls))
		}
		return res, nil
	}
	total, err := i.CountDeadLetters(ctx, function, DeadLetterFilter{})
	if err != nil {
		return res, err
	}
	return res, i.eachDeadLetter(ctx, function, sel.Filter, func(dl DeadLetter) error {
		if err := i.replayOne(ctx, function, dl, &res); err != nil {
			return err
		}
		done++
		progress(done, int(total))
		return nil
	})
}

// replayOne claims and replays one entry, recording the outcome in res.
func (i *Inspector) replayOne(ctx context.Context, function string, dl DeadLetter, res *ReplayResult) error {
	switch {
	case dl.Malformed != "":
		res.Failed = append(res.Failed, Failure{ID: dl.ID, Error: "malformed dead letter, cannot replay (purge it): " + dl.Malformed})
		return nil
	case dl.Function != function:
		res.Failed = append(res.Failed, Failure{ID: dl.ID, Error: fmt.Sprintf("dead letter of function %q, not %q", dl.Function, function)})
		return nil
	}
	claim := ReplayClaimKey(function, dl.ID)
	ok, err := i.rdb.SetNX(ctx, claim, "enqueuing since "+nowStamp(), i.claimPending).Result()
	if err != nil {
		return fmt.Errorf("claim %s: %w", dl.ID, err)
	}
	if !ok {
		res.Skipped = append(res.Skipped, dl.ID)
		return nil
	}
	added, err := scheduleReplay(ctx, i.rdb, dl)
	if err != nil {
		// Let a later replay try again: nothing was scheduled, or the
		// entry is still in the stream and the task id dedupes it. If
		// this fails too, the claim expires after claimPending.
		_ = i.rdb.Del(context.WithoutCancel(ctx), claim).Err()
		return err
	}
	if added {
		res.Replayed++
	} else {
		// An earlier replay enqueued it and died before keeping its claim.
		res.Skipped = append(res.Skipped, dl.ID)
	}
	// Keep the claim, if it is still there: when it is not (it expired
	// while this replay stood still), the task id and the task itself
	// still run the entry once.
	err = i.rdb.SetArgs(ctx, claim, "scheduled at "+nowStamp(), redis.SetArgs{Mode: "XX", TTL: ReplayClaimTTL}).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("keep the claim of %s (its replay is scheduled): %w", dl.ID, err)
	}
	return nil
}

// nowStamp is the time now, as a claim's value says it.
func nowStamp() string { return time.Now().UTC().Format(time.RFC3339Nano) }

// PurgeResult says what a purge deleted.
type PurgeResult struct {
	Function string `json:"function"`
	// Purged counts the entries deleted.
	Purged int64 `json:"purged"`
	// NotFound are selected ids that were not in the stream.
	NotFound []string `json:"not_found"`
}

// Purge deletes the selected dead letters of function for good. With All,
// entries written after the purge started are kept (and, with a Filter,
// those that do not match). An unknown function is ErrNotFound, an
// invalid selection ErrInvalid; ids not in the stream are reported in
// NotFound.
func (i *Inspector) Purge(ctx context.Context, function string, sel Selection) (PurgeResult, error) {
	res := PurgeResult{Function: function, NotFound: []string{}}
	if err := sel.Validate(); err != nil {
		return res, err
	}
	if _, err := i.Function(ctx, function); err != nil {
		return res, err
	}
	key := runtime.DeadLetterStream(function)
	del := func(id string) error {
		n, err := i.rdb.XDel(ctx, key, id).Result()
		if err != nil {
			return fmt.Errorf("XDEL %s %s: %w", key, id, err)
		}
		if n == 0 {
			res.NotFound = append(res.NotFound, id)
		}
		res.Purged += n
		return nil
	}
	switch {
	case sel.All && sel.Filter.IsZero():
		pos, err := i.Stream(ctx, key)
		if err != nil || pos.LastID == "" {
			return res, err
		}
		// Exact XTRIM MINID removes every entry below the bound, atomically.
		n, err := i.rdb.XTrimMinID(ctx, key, streamid.Must(pos.LastID).Next().String()).Result()
		if err != nil {
			return res, fmt.Errorf("XTRIM %s: %w", key, err)
		}
		res.Purged = n
	case sel.All:
		return res, i.eachDeadLetter(ctx, function, sel.Filter, func(dl DeadLetter) error { return del(dl.ID) })
	default:
		for _, id := range dedupe(sel.IDs) {
			if err := del(id); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}
