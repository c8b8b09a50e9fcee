package ops

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// MaxSelectedIDs bounds the ids one replay or purge may name; use All for
// more.
const MaxSelectedIDs = 1000

// pageSize is how many entries one XRANGE reads when walking a stream.
const pageSize = 100

// streamID matches a complete stream entry id, "<ms>-<seq>".
var streamID = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)

// Selection says which dead letters an action applies to: the entries
// with IDs, or All of them. Exactly one of the two must be given; there is
// no default, so that nothing is replayed or purged by accident.
type Selection struct {
	IDs []string `json:"ids,omitempty"`
	All bool     `json:"all,omitempty"`
}

// Validate reports a selection that names nothing, both ids and all, too
// many ids or a malformed id, as ErrInvalid.
func (s Selection) Validate() error {
	switch {
	case s.All && len(s.IDs) > 0:
		return fmt.Errorf("give ids or all, not both: %w", ErrInvalid)
	case !s.All && len(s.IDs) == 0:
		return fmt.Errorf("give the entry ids, or all: %w", ErrInvalid)
	case len(s.IDs) > MaxSelectedIDs:
		return fmt.Errorf("%d ids, at most %d (use all): %w", len(s.IDs), MaxSelectedIDs, ErrInvalid)
	}
	for _, id := range s.IDs {
		if !streamID.MatchString(id) {
			return fmt.Errorf("entry id %q: want <milliseconds>-<sequence>: %w", id, ErrInvalid)
		}
	}
	return nil
}

// entries reads the entries with ids from stream, in the order given and
// without duplicates; missing lists the ids that are not there.
func (o *Ops) entries(ctx context.Context, stream string, ids []string) (found []redis.XMessage, missing []string, err error) {
	for _, id := range dedupe(ids) {
		if !streamID.MatchString(id) {
			return nil, nil, fmt.Errorf("entry id %q: want <milliseconds>-<sequence>: %w", id, ErrInvalid)
		}
		xs, err := o.rdb.XRangeN(ctx, stream, id, id, 1).Result()
		if err != nil {
			return nil, nil, fmt.Errorf("XRANGE %s %s: %w", stream, id, err)
		}
		if len(xs) == 0 {
			missing = append(missing, id)
			continue
		}
		found = append(found, xs[0])
	}
	return found, missing, nil
}

// snapshot returns the id of the newest entry of stream ("" when empty):
// actions on all entries stop there, so that dead letters written while
// they run (such as a replay failing again) are left for the next run.
func (o *Ops) snapshot(ctx context.Context, stream string) (string, error) {
	xs, err := o.rdb.XRevRangeN(ctx, stream, "+", "-", 1).Result()
	if err != nil {
		return "", fmt.Errorf("XREVRANGE %s: %w", stream, err)
	}
	if len(xs) == 0 {
		return "", nil
	}
	return xs[0].ID, nil
}

// walk calls visit for each page of stream's entries up to and including
// last, oldest first. visit may delete the entries it is given.
func (o *Ops) walk(ctx context.Context, stream, last string, visit func([]redis.XMessage) error) error {
	start := "-"
	for {
		page, err := o.rdb.XRangeN(ctx, stream, start, last, pageSize).Result()
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

// nextID is the smallest stream id greater than id.
func nextID(id string) string {
	msPart, seqPart, _ := strings.Cut(id, "-")
	ms, _ := strconv.ParseUint(msPart, 10, 64)
	seq, _ := strconv.ParseUint(seqPart, 10, 64)
	if seq == math.MaxUint64 {
		return strconv.FormatUint(ms+1, 10) + "-0"
	}
	return msPart + "-" + strconv.FormatUint(seq+1, 10)
}

// idTime is the time in a stream id's milliseconds part.
func idTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return time.UnixMilli(n).UTC()
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
