package dashboard

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/dashboard/internal/form"
	"github.com/ordershop/functions/runtime/dashboard/internal/live"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/ops"
)

// DefaultMaxLiveStreams bounds the live (Server-Sent Events) streams one
// Handler serves at a time when Config sets no MaxLiveStreams. Each holds
// a Redis connection of the Ops' client while it blocks (see
// defaultLiveStreams).
const DefaultMaxLiveStreams = 16

// defaultLiveStreams is DefaultMaxLiveStreams, or half of rdb's pool when
// that is smaller (at least 1), so that open streams never take the
// connections the pages need.
func defaultLiveStreams(rdb redis.UniversalClient) int {
	c, ok := rdb.(interface{ Options() *redis.Options })
	if !ok || c.Options().PoolSize <= 0 {
		return DefaultMaxLiveStreams
	}
	return max(1, min(DefaultMaxLiveStreams, c.Options().PoolSize/2))
}

// DefaultLiveBlock is how long one blocking read of a live stream waits
// for new entries when Config sets no LiveBlock; it bounds how long a
// stream outlives its client.
const DefaultLiveBlock = time.Second

// maxLiveBlock caps Config.LiveBlock.
const maxLiveBlock = 5 * time.Second

// LiveStreams is how many live (Server-Sent Events) streams are open.
func (h *Handler) LiveStreams() int { return h.live.Open() }

// CloseLive ends every live stream and refuses new ones: call it when
// the server shuts down (http.Server.RegisterOnShutdown), since
// Shutdown waits for open requests and a live stream never ends by
// itself. The pages are served as before.
func (h *Handler) CloseLive() { h.live.Close() }

// liveRoutes registers the event log's pages and the live streams.
func (h *Handler) liveRoutes() {
	h.mux.HandleFunc("GET /events", h.authed(h.events))
	h.mux.HandleFunc("GET /events/live", h.serveLive(h.eventsLive))
	h.mux.HandleFunc("GET /entities", h.authed(h.entityLookup))
	h.mux.HandleFunc("GET /entities/{aggregate}/{id}", h.authed(h.entity))
	h.mux.HandleFunc("GET /functions/{function}/dead-letters/live", h.serveLive(h.deadLettersLive))
	h.mux.HandleFunc("GET /status/live", h.serveLive(h.statusLive))
}

// liveHandler serves one live stream of a verified session.
type liveHandler func(ctx context.Context, sse *live.Writer, r *http.Request, s session.Session) error

// serveLive serves a live stream: a session is required (else 401, so
// that an EventSource stops instead of retrying), then one of the
// Handler's stream slots (see live.Streams.Serve). An error before the
// stream started is shown as failOps would.
func (h *Handler) serveLive(next liveHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.session(r)
		switch {
		case errors.Is(err, errSessionUnchecked):
			live.Refuse(w, http.StatusServiceUnavailable, err.Error())
			return
		case err != nil:
			live.Refuse(w, http.StatusUnauthorized, err.Error())
			return
		}
		h.live.Serve(w, r, h.cfg.Logger, func(err error) { h.failOps(w, r, err) }, func(ctx context.Context, sse *live.Writer) error {
			// A stream ends with its session: it was let in by it.
			ctx, cancel := context.WithDeadline(ctx, s.Expires)
			defer cancel()
			return next(ctx, sse, r, s)
		})
	}
}

// eventsLive streams the events that match the events page's filter
// (live.Events).
func (h *Handler) eventsLive(ctx context.Context, sse *live.Writer, r *http.Request, _ session.Session) error {
	f, err := form.EventQueryFrom(r.URL.Query()).Filter(h.cfg.Ops)
	if err != nil {
		return err
	}
	row := func(e ops.Event) (string, error) { return h.renderRow("events", "event-row", h.eventRow(e)) }
	return live.Events{Ops: h.cfg.Ops, Filter: f, Block: h.cfg.LiveBlock, Row: row}.Serve(ctx, sse, live.ResumeFrom(r))
}

// deadLettersLive streams a function's new dead letters that match the
// list's search (type, error, since, until) and its total, watching the
// ids given as shown=… for leaving (live.DeadLetters).
func (h *Handler) deadLettersLive(ctx context.Context, sse *live.Writer, r *http.Request, s session.Session) error {
	fn, q := r.PathValue("function"), r.URL.Query()
	f, err := form.SearchFrom(q).Filter()
	if err != nil {
		return err
	}
	base, readOnly := h.deadLettersPath(fn), s.Role != session.Admin
	row := func(dl ops.DeadLetter) (string, error) {
		return h.renderRow("deadletters", "deadletter-row", newDeadLetterRow(dl, base, h.cfg.Prefix, readOnly))
	}
	return live.DeadLetters{Ops: h.cfg.Ops, Function: fn, Filter: f, Block: h.cfg.LiveBlock, Row: row}.Serve(ctx, sse, live.ResumeFrom(r), q["shown"])
}

// statusLive streams every function's counts (live.Status).
func (h *Handler) statusLive(ctx context.Context, sse *live.Writer, _ *http.Request, _ session.Session) error {
	return live.Status{Ops: h.cfg.Ops}.Serve(ctx, sse)
}

// deadLettersLiveURL is the live stream of the first page of function's
// dead letters that match srch, newest first: it starts after the
// newest one shown (or at the stream's start when none is), so that a
// dead letter written between the page and the stream is not missed,
// and watches the shown ones for leaving.
func (h *Handler) deadLettersLiveURL(function string, srch form.Search, shown []ops.DeadLetter) string {
	v := srch.Values()
	v.Set("after", "0-0")
	if len(shown) > 0 {
		v.Set("after", shown[0].ID)
	}
	for _, dl := range shown[:min(len(shown), live.MaxShownTracked)] {
		v.Add("shown", dl.ID)
	}
	return withQuery(h.deadLettersPath(function)+"/live", v)
}
