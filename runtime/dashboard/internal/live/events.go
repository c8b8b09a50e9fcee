package live

import (
	"context"
	"fmt"
	"time"

	"github.com/ordershop/functions/runtime/ops"
)

// eventsCount is how many entries of each stream one read of the live
// events stream takes.
const eventsCount = 100

// eventsRescan is how often the live events stream looks for new
// streams of the event log.
const eventsRescan = 30 * time.Second

// liveEvent is what the live events stream sends for each event.
type liveEvent struct {
	Stream   string `json:"stream"`
	EntryID  string `json:"entry_id"`
	Type     string `json:"type"`
	EventID  string `json:"event_id"`
	EntityID string `json:"entity_id,omitempty"`
	// HTML is the event's row, as the events page renders it.
	HTML string `json:"html"`
}

// Events is the live stream of the event log (or of the one stream
// Filter chooses) that the events page adds its new rows from.
type Events struct {
	Ops *ops.Ops
	// Filter is the page's: only the events it matches are sent.
	Filter ops.EventFilter
	// Block bounds one blocking read.
	Block time.Duration
	// Row renders an event's row of the page.
	Row func(ops.Event) (string, error)
}

// Serve sends the events appended that match the filter, from now on or
// from the Cursor resume (see ResumeFrom). Each event's id is the
// position after it (see Cursor), so a reconnecting EventSource misses
// nothing.
func (e Events) Serve(ctx context.Context, sse *Writer, resume string) error {
	in := e.Ops.Inspector()
	streams, err := e.streams(ctx)
	if err != nil {
		return err
	}
	pos, err := in.Positions(ctx, streams...)
	if err != nil {
		return fmt.Errorf("live events: %w", err)
	}
	if from, ok := parseCursor(resume); ok {
		for s := range pos {
			if id, ok := from[s]; ok {
				pos[s] = id
			} else {
				pos[s] = "0-0" // a stream that appeared since
			}
		}
	}
	if err := sse.start(); err != nil {
		return err
	}
	if err := sse.send("ready", Cursor(pos, ""), map[string]int{"streams": len(pos)}); err != nil {
		return err
	}
	scanned := time.Now()
	for ctx.Err() == nil {
		if e.Filter.Stream == "" && time.Since(scanned) >= eventsRescan {
			if streams, err = e.streams(ctx); err != nil {
				return err
			}
			for _, s := range streams {
				if _, ok := pos[s]; !ok {
					pos[s] = "0-0"
				}
			}
			scanned = time.Now()
		}
		if len(pos) == 0 {
			if err := waitOrDone(ctx, e.Block); err != nil {
				return nil
			}
			scanned = time.Time{}
			continue
		}
		evs, err := in.WaitEvents(ctx, pos, eventsCount, e.Block)
		if err != nil {
			return err
		}
		if err := e.send(sse, pos, evs); err != nil {
			return err
		}
		if err := sse.heartbeat(time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// send moves pos past evs and sends those that match the filter.
func (e Events) send(sse *Writer, pos map[string]string, evs []ops.Event) error {
	for _, ev := range evs {
		pos[ev.Stream] = ev.EntryID
		if !e.Filter.Match(ev) {
			continue
		}
		html, err := e.Row(ev)
		if err != nil {
			return err
		}
		if err := sse.send("", Cursor(pos, ev.Stream), liveEvent{Stream: ev.Stream, EntryID: ev.EntryID, Type: ev.Type, EventID: ev.EventID, EntityID: ev.EntityID, HTML: html}); err != nil {
			return err
		}
	}
	return nil
}

// streams are the streams the live events stream reads.
func (e Events) streams(ctx context.Context) ([]string, error) {
	if e.Filter.Stream != "" {
		return []string{e.Filter.Stream}, nil
	}
	return e.Ops.EventStreams(ctx)
}
