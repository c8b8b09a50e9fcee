package ops

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// EventStreams returns the streams of the event log: every stream whose
// name starts with StreamPrefix, dead-letter streams left out, sorted.
func (o *Ops) EventStreams(ctx context.Context) ([]string, error) {
	streams, err := o.insp.StreamsWithPrefix(ctx, o.opts.StreamPrefix)
	if err != nil {
		return nil, fmt.Errorf("event streams: %w", err)
	}
	return streams, nil
}

// Aggregate is the aggregate a stream holds: its name without
// StreamPrefix ("events:order" and its partitions "events:order:{p3}"
// give "order").
func (o *Ops) Aggregate(stream string) string {
	if fam, _, ok := partition.Parse(stream); ok {
		stream = fam
	}
	if a := strings.TrimPrefix(stream, o.opts.StreamPrefix); a != "" {
		return a
	}
	return stream
}

// EventFilter selects events. Every field set must match; the zero
// filter matches every event.
type EventFilter struct {
	// Stream is one stream of the event log, as EventStream gives it
	// (a partitioned family's name selects all its partitions).
	Stream string
	// Type is the event type, exactly.
	Type string
	// EntityID is the entity (EntityField), exactly.
	EntityID string
}

// Match reports whether e is selected by the filter.
func (f EventFilter) Match(e Event) bool {
	return (f.Stream == "" || e.Stream == f.Stream || familyOf(e.Stream) == f.Stream) && (f.Type == "" || e.Type == f.Type) &&
		(f.EntityID == "" || e.EntityID == f.EntityID)
}

// DefaultLatestScan is how many entries of each stream Latest reads, at
// most, looking for matching events.
const DefaultLatestScan = 10000

// latestPage is how many entries one read of Latest takes.
const latestPage = 200

// LatestEvents is the newest events that match a filter.
type LatestEvents struct {
	// Events are newest first (by entry id across streams).
	Events []Event
	// Streams are the streams read.
	Streams []string
	// Cut names the streams whose scan stopped at the scan cap before
	// their start: older matching events may be there.
	Cut []string
}

// Latest returns the newest limit events that match f, across the
// streams of the event log (or f.Stream alone), newest first. It reads
// each stream backwards, at most scan entries of each (<= 0 means
// DefaultLatestScan), and says which streams it could not read to their
// start.
func (o *Ops) Latest(ctx context.Context, f EventFilter, limit, scan int) (LatestEvents, error) {
	var res LatestEvents
	if scan <= 0 {
		scan = DefaultLatestScan
	}
	limit = max(limit, 1)
	var streams []string
	var err error
	if f.Stream == "" {
		streams, err = o.EventStreams(ctx)
	} else {
		streams, err = o.streamsOf(ctx, f.Stream)
	}
	if err != nil {
		return res, err
	}
	res.Streams = streams
	for _, s := range streams {
		found, cut, err := o.latestOf(ctx, s, f, limit, scan)
		if err != nil {
			return res, err
		}
		res.Events = append(res.Events, found...)
		if cut {
			res.Cut = append(res.Cut, s)
		}
	}
	sortNewestFirst(res.Events)
	res.Events = res.Events[:min(limit, len(res.Events))]
	return res, nil
}

// latestOf reads stream backwards until limit events match f, its start,
// or scan entries; cut reports the last.
func (o *Ops) latestOf(ctx context.Context, stream string, f EventFilter, limit, scan int) (found []Event, cut bool, err error) {
	after, read := "", 0
	for read < scan {
		want := min(latestPage, scan-read)
		page, err := o.insp.Events(ctx, stream, after, true, want)
		if err != nil {
			return nil, false, fmt.Errorf("latest events of %s: %w", stream, err)
		}
		for _, e := range page {
			if f.Match(e) {
				found = append(found, e)
				if len(found) == limit {
					return found, false, nil
				}
			}
		}
		read += len(page)
		if len(page) < want {
			return found, false, nil
		}
		after = page[len(page)-1].EntryID
	}
	return found, true, nil
}

// sortNewestFirst orders events by entry id, newest first, then stream.
func sortNewestFirst(es []Event) {
	sort.SliceStable(es, func(a, b int) bool {
		if c := runtime.CompareIDs(es[a].EntryID, es[b].EntryID); c != 0 {
			return c > 0
		}
		return es[a].Stream < es[b].Stream
	})
}

// familyOf is the family of a partition stream, or "" for another stream.
func familyOf(stream string) string {
	fam, _, _ := partition.Parse(stream)
	return fam
}
