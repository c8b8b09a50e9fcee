package inspect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/internal/streamid"
)

// DefaultDeadLetterLimit is how many dead letters one DeadLetters page
// holds when the query sets no Limit.
const DefaultDeadLetterLimit = 100

// pageSize is how many entries one XRANGE reads when walking a stream.
const pageSize = 100

// maxReadCount bounds the entries one XRANGE of a DeadLetters page reads.
const maxReadCount = 500

// DeadLetterFilter selects dead letters by what they say. Every field set
// must match; the zero filter matches every dead letter.
type DeadLetterFilter struct {
	// Type is the event type, exactly.
	Type string `json:"type,omitempty"`
	// ErrorContains is a part of the error text, compared without regard
	// to case.
	ErrorContains string `json:"error_contains,omitempty"`
	// Since and Until bound when the dead letter was written (FailedAt):
	// at or after Since, before Until. Zero means unbounded.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
}

// IsZero reports whether the filter matches every dead letter.
func (f DeadLetterFilter) IsZero() bool { return f == DeadLetterFilter{} }

// Match reports whether dl is selected by the filter.
func (f DeadLetterFilter) Match(dl DeadLetter) bool {
	at := dl.FailedAt()
	switch {
	case f.Type != "" && dl.Type != f.Type:
		return false
	case f.ErrorContains != "" && !strings.Contains(strings.ToLower(dl.Error), strings.ToLower(f.ErrorContains)):
		return false
	case !f.Since.IsZero() && at.Before(f.Since):
		return false
	case !f.Until.IsZero() && !at.Before(f.Until):
		return false
	}
	return true
}

// FailedAt is when the dead letter was written: its last failure, or the
// time in its id for a malformed entry without one.
func (dl DeadLetter) FailedAt() time.Time {
	if !dl.LastFailure.IsZero() {
		return dl.LastFailure
	}
	return streamid.Must(dl.ID).Time()
}

// DeadLetterQuery chooses a page of one function's dead letters.
type DeadLetterQuery struct {
	// Filter selects the dead letters; the zero filter, all of them.
	Filter DeadLetterFilter
	// After, when set, is a dead-letter id the page starts after (in the
	// page's order): the previous page's Next.
	After string
	// Newest orders the page newest first; else oldest first.
	Newest bool
	// Limit caps the dead letters returned (<= 0 means
	// DefaultDeadLetterLimit). There is no cap on how many entries are
	// read to fill the page.
	Limit int
}

// DeadLetterPage is some of a function's dead letters.
type DeadLetterPage struct {
	DeadLetters []DeadLetter
	// Next is the After of the following page; "" when the stream's end
	// was reached (a non-empty Next may still give an empty page).
	Next string
	// Scanned counts the entries read, matching or not.
	Scanned int
}

// DeadLetters returns a page of function's dead letters that match
// q.Filter. An unknown function is ErrNotFound, a malformed q.After
// ErrInvalid.
func (i *Inspector) DeadLetters(ctx context.Context, function string, q DeadLetterQuery) (DeadLetterPage, error) {
	page := DeadLetterPage{DeadLetters: []DeadLetter{}}
	if _, err := i.Function(ctx, function); err != nil {
		return page, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultDeadLetterLimit
	}
	if q.After != "" {
		if err := validEntryID(q.After); err != nil {
			return page, err
		}
	}
	key, after := runtime.DeadLetterStream(function), q.After
	for {
		count := int64(maxReadCount)
		if q.Filter.IsZero() {
			count = int64(min(limit-len(page.DeadLetters), maxReadCount))
		}
		xs, err := i.readAfter(ctx, key, after, q.Newest, count)
		if err != nil {
			return page, err
		}
		for _, x := range xs {
			page.Scanned++
			if dl := i.deadLetter(x); q.Filter.Match(dl) {
				page.DeadLetters = append(page.DeadLetters, dl)
			}
			if len(page.DeadLetters) == limit {
				page.Next = x.ID
				return page, nil
			}
		}
		if int64(len(xs)) < count {
			return page, nil
		}
		after = xs[len(xs)-1].ID
	}
}

// readAfter reads up to count entries of stream after the id after ("":
// from the start), oldest first or, with newest, newest first.
func (i *Inspector) readAfter(ctx context.Context, stream, after string, newest bool, count int64) ([]redis.XMessage, error) {
	var cmd *redis.XMessageSliceCmd
	switch {
	case newest && after == "":
		cmd = i.rdb.XRevRangeN(ctx, stream, "+", "-", count)
	case newest:
		cmd = i.rdb.XRevRangeN(ctx, stream, "("+after, "-", count)
	case after == "":
		cmd = i.rdb.XRangeN(ctx, stream, "-", "+", count)
	default:
		cmd = i.rdb.XRangeN(ctx, stream, "("+after, "+", count)
	}
	xs, err := cmd.Result()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	return xs, nil
}

// deadLetter parses a dead-letter entry; a malformed one comes back with
// Malformed set.
func (i *Inspector) deadLetter(x redis.XMessage) DeadLetter {
	dl, err := ParseDeadLetter(x)
	if err != nil {
		dl.Malformed = err.Error()
	}
	if i.entityField != "" {
		dl.describe(i.entityField)
	}
	return dl
}

// DeadLettersByID returns function's dead letters with ids, in the order
// given and without duplicates; missing lists the ids that are not in the
// stream. An unknown function is ErrNotFound, a malformed id ErrInvalid.
func (i *Inspector) DeadLettersByID(ctx context.Context, function string, ids []string) (found []DeadLetter, missing []string, err error) {
	if _, err := i.Function(ctx, function); err != nil {
		return nil, nil, err
	}
	key := runtime.DeadLetterStream(function)
	found = []DeadLetter{}
	for _, id := range dedupe(ids) {
		if err := validEntryID(id); err != nil {
			return nil, nil, err
		}
		xs, err := i.rdb.XRangeN(ctx, key, id, id, 1).Result()
		if err != nil {
			return nil, nil, fmt.Errorf("XRANGE %s %s: %w", key, id, err)
		}
		if len(xs) == 0 {
			missing = append(missing, id)
			continue
		}
		found = append(found, i.deadLetter(xs[0]))
	}
	return found, missing, nil
}

// CountDeadLetters counts function's dead letters that match f: the
// stream's length for the zero filter, else by reading every entry. An
// unknown function is ErrNotFound.
func (i *Inspector) CountDeadLetters(ctx context.Context, function string, f DeadLetterFilter) (int64, error) {
	if _, err := i.Function(ctx, function); err != nil {
		return 0, err
	}
	key := runtime.DeadLetterStream(function)
	if f.IsZero() {
		n, err := i.rdb.XLen(ctx, key).Result()
		if err != nil {
			return 0, fmt.Errorf("XLEN %s: %w", key, err)
		}
		return n, nil
	}
	var n int64
	err := i.eachDeadLetter(ctx, function, f, func(DeadLetter) error { n++; return nil })
	return n, err
}

// eachDeadLetter calls each for every dead letter of function that
// matches f, oldest first, up to the newest entry when it started: dead
// letters written meanwhile (such as a replay failing again) are left for
// the next run. each may delete the entry it is given.
func (i *Inspector) eachDeadLetter(ctx context.Context, function string, f DeadLetterFilter, each func(DeadLetter) error) error {
	key := runtime.DeadLetterStream(function)
	pos, err := i.Stream(ctx, key)
	if err != nil || pos.LastID == "" {
		return err
	}
	return i.walk(ctx, key, pos.LastID, func(xs []redis.XMessage) error {
		for _, x := range xs {
			if dl := i.deadLetter(x); f.Match(dl) {
				if err := each(dl); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// walk calls visit for each page of stream's entries up to and including
// last ("+": the end), oldest first. visit may delete the entries it is
// given.
func (i *Inspector) walk(ctx context.Context, stream, last string, visit func([]redis.XMessage) error) error {
	start := "-"
	for {
		page, err := i.rdb.XRangeN(ctx, stream, start, last, pageSize).Result()
		if err != nil {
			return fmt.Errorf("XRANGE %s: %w", stream, err)
		}
		if len(page) == 0 {
			return nil
		}
		if err := visit(page); err != nil {
			return err
		}
		if len(page) < pageSize {
			return nil
		}
		start = "(" + page[len(page)-1].ID
	}
}

// validEntryID reports an id that is not a complete "<ms>-<seq>" as
// ErrInvalid.
func validEntryID(id string) error {
	if _, err := runtime.ParseStreamID(id); err != nil || !strings.Contains(id, "-") {
		return fmt.Errorf("entry id %q: want <milliseconds>-<sequence>: %w", id, ErrInvalid)
	}
	return nil
}

// dedupe drops repeated strings, keeping the first occurrence's order.
func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
