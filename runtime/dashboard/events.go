package dashboard

import (
	"fmt"
	"net/http"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/dashboard/internal/live"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/ops"
)

// EventsShown is how many events the events page lists.
const EventsShown = 50

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
	liveQuery, mine := q.Values(), streams
	if f.Stream != "" {
		mine = []string{f.Stream}
	}
	if len(mine) > 0 {
		pos, err := h.cfg.Ops.Inspector().Positions(r.Context(), mine...)
		if err != nil {
			h.failOps(w, r, fmt.Errorf("events: %w", err))
			return
		}
		liveQuery.Set("after", live.Cursor(pos, ""))
	}
	latest, err := h.cfg.Ops.Latest(r.Context(), f, EventsShown, 0)
	if err != nil {
		h.failOps(w, r, fmt.Errorf("events: %w", err))
		return
	}
	p := eventsPage{Query: q, Streams: streams, Cut: latest.Cut, Shown: EventsShown, Base: h.cfg.Prefix + "/events",
		LiveURL: withQuery(h.cfg.Prefix+"/events/live", liveQuery)}
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
