package dashboard

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/ops"
)

// EventsShown is how many events the events page lists.
const EventsShown = 50

// eventsLiveCount is how many entries of each stream one read of the
// live events stream takes.
const eventsLiveCount = 100

// eventsRescan is how often the live events stream looks for new
// streams of the event log.
const eventsRescan = 30 * time.Second

// eventRow is one event as a row of the events page.
type eventRow struct {
	ops.Event
	Aggregate string
	// EntityURL is the entity's page ("" without an entity).
	EntityURL string
	// Key identifies the row: stream and entry id.
	Key string
}

// eventsPage is the content of the events page.
type eventsPage struct {
	Query form.EventQuery
	Rows  []eventRow
	// Streams are the streams of the event log, for the form.
	Streams []string
	// Cut are the streams not read to their start.
	Cut     []string
	Shown   int
	LiveURL string
	Base    string
}

// events lists the newest events that match the filter, with a form and
// a live stream of new ones.
func (h *Handler) events(w http.ResponseWriter, r *http.Request, s session.Session) {
	q := form.EventQueryFrom(r.URL.Query())
	f, err := q.Filter(h.cfg.Ops)
	if err != nil {
		h.failOps(w, r, err)
		return
	}
	streams, err := h.cfg.Ops.EventStreams(r.Context())
	if err != nil {
		h.failOps(w, r, err)
		return
	}
	// The live stream starts where the log stood before the page read
	// it: an event appended meanwhile comes twice, never not at all.
	live, mine := q.Values(), streams
	if f.Stream != "" {
		mine = []string{f.Stream}
	}
	if len(mine) > 0 {
		pos, err := h.cfg.Ops.Inspector().Positions(r.Context(), mine...)
		if err != nil {
			h.failOps(w, r, fmt.Errorf("events: %w", err))
			return
		}
		live.Set("after", cursor(pos, ""))
	}
	latest, err := h.cfg.Ops.Latest(r.Context(), f, EventsShown, 0)
	if err != nil {
		h.failOps(w, r, fmt.Errorf("events: %w", err))
		return
	}
	p := eventsPage{Query: q, Streams: streams, Cut: latest.Cut, Shown: EventsShown, Base: h.cfg.Prefix + "/events",
		LiveURL: withQuery(h.cfg.Prefix+"/events/live", live)}
	for _, e := range latest.Events {
		p.Rows = append(p.Rows, h.eventRow(e))
	}
	h.page(w, r, s, "events", p)
}

// eventRow is e as a row.
func (h *Handler) eventRow(e ops.Event) eventRow {
	row := eventRow{Event: e, Aggregate: h.cfg.Ops.Aggregate(e.Stream), Key: e.Stream + "/" + e.EntryID}
	if e.EntityID != "" {
		row.EntityURL = h.entityPath(row.Aggregate, e.EntityID)
	}
	return row
}

// entityPath is the path of one entity's page.
func (h *Handler) entityPath(aggregate, id string) string {
	return entityPathUnder(h.cfg.Prefix, aggregate, id)
}

// entityPathUnder is the path of one entity's page under prefix; the
// aggregate may also be given as its stream.
func entityPathUnder(prefix, aggregate, id string) string {
	return prefix + "/entities/" + url.PathEscape(aggregate) + "/" + url.PathEscape(id)
}

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

// eventsLive streams the events appended to the event log (or the one
// stream chosen) that match the filter, from now on or from the
// position in the Last-Event-ID header. Each event's id is the stream
// position after it (see cursor), so a reconnecting EventSource misses
// nothing.
func (h *Handler) eventsLive(ctx context.Context, sse *sseWriter, r *http.Request, _ session.Session) error {
	q := form.EventQueryFrom(r.URL.Query())
	f, err := q.Filter(h.cfg.Ops)
	if err != nil {
		return err
	}
	in := h.cfg.Ops.Inspector()
	streams, err := h.liveEventStreams(ctx, f)
	if err != nil {
		return err
	}
	pos, err := in.Positions(ctx, streams...)
	if err != nil {
		return fmt.Errorf("live events: %w", err)
	}
	if resume, ok := parseCursor(cmp.Or(r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after"))); ok {
		for s := range pos {
			if id, ok := resume[s]; ok {
				pos[s] = id
			} else {
				pos[s] = "0-0" // a stream that appeared since
			}
		}
	}
	if err := sse.start(); err != nil {
		return err
	}
	if err := sse.send("ready", cursor(pos, ""), map[string]int{"streams": len(pos)}); err != nil {
		return err
	}
	scanned := time.Now()
	for ctx.Err() == nil {
		if f.Stream == "" && time.Since(scanned) >= eventsRescan {
			if streams, err = h.liveEventStreams(ctx, f); err != nil {
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
			if err := waitOrDone(ctx, h.cfg.LiveBlock); err != nil {
				return nil
			}
			scanned = time.Time{}
			continue
		}
		evs, err := in.WaitEvents(ctx, pos, eventsLiveCount, h.cfg.LiveBlock)
		if err != nil {
			return err
		}
		for _, e := range evs {
			pos[e.Stream] = e.EntryID
			if !f.Match(e) {
				continue
			}
			html, err := h.renderRow("events", "event-row", h.eventRow(e))
			if err != nil {
				return err
			}
			if err := sse.send("", cursor(pos, e.Stream), liveEvent{Stream: e.Stream, EntryID: e.EntryID, Type: e.Type, EventID: e.EventID, EntityID: e.EntityID, HTML: html}); err != nil {
				return err
			}
		}
		if err := sse.heartbeat(time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// liveEventStreams are the streams a live events stream reads.
func (h *Handler) liveEventStreams(ctx context.Context, f ops.EventFilter) ([]string, error) {
	if f.Stream != "" {
		return []string{f.Stream}, nil
	}
	return h.cfg.Ops.EventStreams(ctx)
}

// waitOrDone waits for d, or returns ctx's error when it ends first.
func waitOrDone(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// renderRow renders one row template of page name.
func (h *Handler) renderRow(page, row string, data any) (string, error) {
	var buf bytes.Buffer
	if err := h.pages[page].ExecuteTemplate(&buf, row, data); err != nil {
		return "", fmt.Errorf("render %s: %w", row, err)
	}
	return buf.String(), nil
}

// cursor encodes the position of a live events stream in every stream,
// the stream first, as an SSE id: "stream=id&stream=id" with the names
// query-escaped. first, when set, is the stream of the event the id goes
// with.
func cursor(pos map[string]string, first string) string {
	parts := make([]string, 0, len(pos))
	if id, ok := pos[first]; ok {
		parts = append(parts, url.QueryEscape(first)+"="+id)
	}
	rest := make([]string, 0, len(pos))
	for s, id := range pos {
		if s != first {
			rest = append(rest, url.QueryEscape(s)+"="+id)
		}
	}
	slices.Sort(rest)
	return strings.Join(append(parts, rest...), "&")
}

// parseCursor reads a cursor; false when s is empty or not one.
func parseCursor(s string) (map[string]string, bool) {
	if s == "" {
		return nil, false
	}
	v, err := url.ParseQuery(s)
	if err != nil || len(v) == 0 {
		return nil, false
	}
	pos := make(map[string]string, len(v))
	for stream, ids := range v {
		if len(ids) != 1 {
			return nil, false
		}
		if _, err := runtime.ParseStreamID(ids[0]); err != nil || !strings.Contains(ids[0], "-") {
			return nil, false
		}
		pos[stream] = ids[0]
	}
	return pos, true
}
