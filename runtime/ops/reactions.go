package ops

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/ordershop/functions/runtime"
)

// DefaultReactionScan is how many entries of each stream Entity reads,
// at most, looking for the events an entity's events caused.
const DefaultReactionScan = 10000

// MaxReactionDepth bounds how deep Entity nests reactions (reactions of
// reactions ...); deeper ones are left out and DepthCut is set.
const MaxReactionDepth = 6

// reactionPage is how many entries one read of the reaction scan takes.
const reactionPage = 500

// Reaction is an event with the events it caused (their CausationField
// is its event id), in entry-id order across streams.
type Reaction struct {
	Event     Event      `json:"event"`
	Reactions []Reaction `json:"reactions,omitempty"`
}

// EntityTimeline is one entity's events, each with the reactions it
// caused, nested.
type EntityTimeline struct {
	Aggregate string `json:"aggregate"`
	Stream    string `json:"stream"`
	EntityID  string `json:"entity_id"`
	// Events are the entity's events in stream order (History), each
	// with its reactions. Reactions carry no data or other fields.
	Events []Reaction `json:"events"`
	// Streams are the streams scanned for reactions, each from Since on.
	Streams []string `json:"streams"`
	// Since is the entry id the scan started at: the entity's first
	// event's time (its millisecond), in every stream.
	Since string `json:"since,omitempty"`
	// Scanned counts the entries read for reactions.
	Scanned int `json:"scanned"`
	// ScanLimit is the entries read of each stream, at most.
	ScanLimit int `json:"scan_limit"`
	// Cut names the streams whose scan stopped at ScanLimit before their
	// end: reactions after that point are missing.
	Cut []string `json:"cut,omitempty"`
	// DepthCut is set when reactions nested deeper than
	// MaxReactionDepth were left out.
	DepthCut bool `json:"depth_cut,omitempty"`
	// NoCausation is set when Options name no CausationField: no
	// reactions are looked for.
	NoCausation bool `json:"no_causation,omitempty"`
}

// Entity returns every event of one entity (History) with the reactions
// each caused: the events anywhere in the event log whose CausationField
// is its event id, and theirs in turn, nested up to MaxReactionDepth.
// The scan is bounded: every stream of the event log is read from the
// entity's first event's time on (a reaction is appended after its
// cause), at most scan entries of each (<= 0 means DefaultReactionScan);
// EntityTimeline.Cut says where the cap cut it. An entity without events
// is ErrNotFound.
func (o *Ops) Entity(ctx context.Context, aggregate, entityID string, scan int) (EntityTimeline, error) {
	if scan <= 0 {
		scan = DefaultReactionScan
	}
	tl := EntityTimeline{Aggregate: o.Aggregate(aggregate), EntityID: entityID, ScanLimit: scan}
	stream, err := o.EventStream(aggregate)
	if err != nil {
		return tl, err
	}
	tl.Stream = stream
	history, err := o.History(ctx, aggregate, entityID)
	if err != nil {
		return tl, err
	}
	byCause := map[string][]Event{}
	if o.opts.CausationField == "" {
		tl.NoCausation = true
	} else {
		first, _ := runtime.ParseStreamID(history[0].EntryID)
		tl.Since = fmt.Sprintf("%d-0", first.Ms)
		after := ""
		if first.Ms > 0 {
			after = fmt.Sprintf("%d-%d", first.Ms-1, uint64(math.MaxUint64))
		}
		if tl.Streams, err = o.EventStreams(ctx); err != nil {
			return tl, err
		}
		for _, s := range tl.Streams {
			n, cut, err := o.scanCaused(ctx, s, after, scan, byCause)
			if err != nil {
				return tl, err
			}
			tl.Scanned += n
			if cut {
				tl.Cut = append(tl.Cut, s)
			}
		}
	}
	for _, e := range history {
		tl.Events = append(tl.Events, o.reaction(e, byCause, 0, map[string]bool{}, &tl.DepthCut))
	}
	return tl, nil
}

// scanCaused reads stream after the id after, at most limit entries, and
// files every event with a CausationField under its cause's event id
// (without its data or fields).
func (o *Ops) scanCaused(ctx context.Context, stream, after string, limit int, byCause map[string][]Event) (read int, cut bool, err error) {
	for read < limit {
		want := min(reactionPage, limit-read)
		page, err := o.insp.Events(ctx, stream, after, false, want)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return read, false, fmt.Errorf("reactions in %s: %w", stream, err)
		}
		for _, e := range page {
			if cause := e.Fields[o.opts.CausationField]; cause != "" {
				byCause[cause] = append(byCause[cause], o.slim(e))
			}
		}
		read += len(page)
		if len(page) < want {
			return read, false, nil
		}
		after = page[len(page)-1].EntryID
	}
	return read, true, nil
}

// reaction is e with what it caused, depth levels down; seen guards
// against an event log whose causation ids loop.
func (o *Ops) reaction(e Event, byCause map[string][]Event, depth int, seen map[string]bool, depthCut *bool) Reaction {
	r := Reaction{Event: e}
	id := o.eventID(e)
	caused := byCause[id]
	if id == "" || len(caused) == 0 || seen[id] {
		return r
	}
	if depth == MaxReactionDepth {
		*depthCut = true
		return r
	}
	seen[id] = true
	sorted := append([]Event(nil), caused...)
	sort.SliceStable(sorted, func(a, b int) bool {
		if c := runtime.CompareIDs(sorted[a].EntryID, sorted[b].EntryID); c != 0 {
			return c < 0
		}
		return sorted[a].Stream < sorted[b].Stream
	})
	for _, c := range sorted {
		r.Reactions = append(r.Reactions, o.reaction(c, byCause, depth+1, seen, depthCut))
	}
	delete(seen, id)
	return r
}

// eventID is e's own event id (EventIDField).
func (o *Ops) eventID(e Event) string {
	if o.opts.EventIDField == "" || o.opts.EventIDField == runtime.FieldEventID {
		return e.EventID
	}
	return e.Fields[o.opts.EventIDField]
}

// slim is e without its data and its fields but the causation and event
// id fields: what a reaction shows.
func (o *Ops) slim(e Event) Event {
	kept := map[string]string{o.opts.CausationField: e.Fields[o.opts.CausationField]}
	if f := o.opts.EventIDField; f != "" && f != runtime.FieldEventID {
		kept[f] = e.Fields[f]
	}
	e.Data, e.RawData, e.Fields = nil, "", kept
	return e
}
