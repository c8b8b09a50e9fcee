package dashboard

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/ops"
)

// entityPage is the content of one entity's page (and of the lookup
// form, without a Timeline).
type entityPage struct {
	Aggregate, ID string
	// Streams are the event log's aggregates, for the form.
	Aggregates []string
	Timeline   *ops.EntityTimeline
	Events     []reactionView
	// EventsURL lists the entity's events on the events page.
	EventsURL string
	// NotFound is set when the entity has no events.
	NotFound bool
	// MaxDepth is how deep reactions are nested, at most.
	MaxDepth int
}

// reactionView is an event of the page with what it caused.
type reactionView struct {
	ops.Event
	Aggregate, EntityURL string
	// Data is the event's data, indented when it is JSON.
	Data      string
	Reactions []reactionView
}

// entityLookup is the lookup form; given both fields it redirects to the
// entity's page.
func (h *Handler) entityLookup(w http.ResponseWriter, r *http.Request, s session.Session) {
	q := r.URL.Query()
	agg, id := strings.TrimSpace(q.Get("aggregate")), strings.TrimSpace(q.Get("id"))
	if agg != "" && id != "" {
		http.Redirect(w, r, h.entityPath(agg, id), http.StatusSeeOther)
		return
	}
	p, err := h.entityForm(r, agg, id)
	if err != nil {
		h.failOps(w, r, err)
		return
	}
	h.page(w, r, s, "entity", p)
}

// entityForm is the page with the lookup form filled with agg and id.
func (h *Handler) entityForm(r *http.Request, agg, id string) (entityPage, error) {
	p := entityPage{Aggregate: agg, ID: id, MaxDepth: ops.MaxReactionDepth}
	streams, err := h.cfg.Ops.EventStreams(r.Context())
	if err != nil {
		return p, err
	}
	for _, s := range streams {
		p.Aggregates = append(p.Aggregates, h.cfg.Ops.Aggregate(s))
	}
	return p, nil
}

// entity shows every event of one entity, in order, each with the
// reactions it caused, nested.
func (h *Handler) entity(w http.ResponseWriter, r *http.Request, s session.Session) {
	p, err := h.entityForm(r, h.cfg.Ops.Aggregate(r.PathValue("aggregate")), r.PathValue("id"))
	if err != nil {
		h.failOps(w, r, err)
		return
	}
	tl, err := h.cfg.Ops.Entity(r.Context(), p.Aggregate, p.ID, h.cfg.ReactionScan)
	switch {
	case errors.Is(err, ops.ErrNotFound):
		p.NotFound = true
		h.render(w, r, http.StatusNotFound, "entity", h.sessionView(s, p))
		return
	case err != nil:
		h.failOps(w, r, fmt.Errorf("entity %s/%s: %w", p.Aggregate, p.ID, err))
		return
	}
	p.Aggregate, p.Timeline = tl.Aggregate, &tl
	p.EventsURL = withQuery(h.cfg.Prefix+"/events", form.EventQuery{Stream: tl.Aggregate, Entity: tl.EntityID}.Values())
	for _, e := range tl.Events {
		p.Events = append(p.Events, h.reactionView(e, true))
	}
	h.page(w, r, s, "entity", p)
}

// reactionView is r as the page shows it; withData shows the event's
// data (the entity's own events have it, reactions do not).
func (h *Handler) reactionView(r ops.Reaction, withData bool) reactionView {
	v := reactionView{Event: r.Event, Aggregate: h.cfg.Ops.Aggregate(r.Event.Stream)}
	if r.Event.EntityID != "" {
		v.EntityURL = h.entityPath(v.Aggregate, r.Event.EntityID)
	}
	if withData {
		v.Data = r.Event.RawData
		if len(r.Event.Data) > 0 {
			v.Data = indented(r.Event.Data, string(r.Event.Data))
		}
	}
	for _, c := range r.Reactions {
		v.Reactions = append(v.Reactions, h.reactionView(c, false))
	}
	return v
}
