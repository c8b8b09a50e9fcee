package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/dashboard/internal/history"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/ops"
)

// overviewPage is the content of the overview: every function with its
// latest rates, and how the history is kept.
type overviewPage struct {
	Functions []overviewRow
	History   historyView
}

// overviewRow is one function of the overview.
type overviewRow struct {
	ops.FunctionStatus
	Rates history.Rates
}

// historyView says how the history is kept, for the page.
type historyView struct {
	Enabled bool
	// Every and Window are the sampling interval and the window, for
	// people ("10 s", "1 h").
	Every, Window string
}

// overviewPage adds the latest rates to st. Without them (history off,
// no recent samples, Redis failing) the rows show "-": the overview never
// fails for them.
func (h *Handler) overviewPage(ctx context.Context, st []ops.FunctionStatus) overviewPage {
	hc := h.history.Config()
	p := overviewPage{Functions: make([]overviewRow, len(st)), History: historyView{Enabled: hc.Enabled(), Window: durationText(hc.Window)}}
	names := make([]string, len(st))
	for i, fs := range st {
		p.Functions[i].FunctionStatus, names[i] = fs, fs.Name
	}
	if !hc.Enabled() {
		return p
	}
	p.History.Every = durationText(hc.Every)
	latest, err := h.history.LatestRates(ctx, names, time.Now())
	if err != nil {
		h.cfg.Logger.Warn("dashboard history: latest samples", zap.Error(err))
		return p
	}
	for i := range p.Functions {
		p.Functions[i].Rates = latest[names[i]]
	}
	return p
}

// durationText is d for people: "10 s", "5 min", "1 h".
func durationText(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d >= time.Second && d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

// serveHistory serves one function's history as JSON (history.Columns).
func (h *Handler) serveHistory(w http.ResponseWriter, r *http.Request, _ session.Session) {
	fn := r.PathValue("function")
	out, err := h.history.Columns(r.Context(), fn, time.Now())
	if err != nil {
		h.cfg.Logger.Error("dashboard history", zap.String("function", fn), zap.Error(err))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error (see the dashboard's log)"})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// authedJSON serves next to a request with a valid session cookie; any
// other gets 401 with a JSON error (a script cannot follow a redirect to
// the login form).
func (h *Handler) authedJSON(next sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.session(r)
		switch {
		case errors.Is(err, errSessionUnchecked):
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		case err != nil:
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": err.Error()})
		default:
			next(w, r, s)
		}
	}
}

// writeJSON writes v as JSON with status, never cached.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
