package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

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
	Rates rates
}

// historyView says how the history is kept, for the page.
type historyView struct {
	Enabled bool
	// Every and Window are the sampling interval and the window, for
	// people ("10 s", "1 h").
	Every, Window string
}

// InText is the rate of events in, for the page ("-" when unknown).
func (r rates) InText() string { return rateText(r.In) }

// OutText is the rate of events out, for the page.
func (r rates) OutText() string { return rateText(r.Out) }

// rateText is r in events per second with one decimal, "-" when unknown.
func rateText(r rate) string {
	if r == nil {
		return "-"
	}
	return strconv.FormatFloat(*r, 'f', 1, 64)
}

// overviewPage adds the latest rates to st. Without them (history off,
// no recent samples, Redis failing) the rows show "-": the overview never
// fails for them.
func (h *Handler) overviewPage(ctx context.Context, st []ops.FunctionStatus) overviewPage {
	hc := h.history.cfg
	p := overviewPage{Functions: make([]overviewRow, len(st)), History: historyView{Enabled: hc.enabled(), Window: durationText(hc.window)}}
	names := make([]string, len(st))
	for i, fs := range st {
		p.Functions[i].FunctionStatus, names[i] = fs, fs.Name
	}
	if !hc.enabled() {
		return p
	}
	p.History.Every = durationText(hc.every)
	latest, err := h.history.latest(ctx, names)
	if err != nil {
		h.cfg.Logger.Warn("dashboard history: latest samples", zap.Error(err))
		return p
	}
	for i := range p.Functions {
		if ss := latest[names[i]]; len(ss) > 0 && time.Since(ss[len(ss)-1].At) <= staleAfter*hc.every {
			p.Functions[i].Rates = latestRates(ss)
		}
	}
	return p
}

// staleAfter is how many intervals old the last sample may be for the
// overview to show its rates: older, no dashboard samples any more, and
// the rates would be those of long ago.
const staleAfter = 3

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

// historyJSON is GET /functions/{function}/history.json: the function's
// samples of the window, oldest first, as columns a chart can draw. t is
// unix seconds; lag is null where Redis could not tell; in and out are
// events per second since the previous sample, null for the first sample
// and wherever the counters do not tell (see ratesBetween).
type historyJSON struct {
	Function string     `json:"function"`
	EveryS   float64    `json:"every_s"`
	WindowS  float64    `json:"window_s"`
	T        []float64  `json:"t"`
	Lag      []*int64   `json:"lag"`
	Pending  []int64    `json:"pending"`
	Dead     []int64    `json:"dead"`
	In       []*float64 `json:"in"`
	Out      []*float64 `json:"out"`
}

// serveHistory serves one function's history as JSON.
func (h *Handler) serveHistory(w http.ResponseWriter, r *http.Request, _ session.Session) {
	fn, hc := r.PathValue("function"), h.history.cfg
	samples, err := h.history.window(r.Context(), fn, time.Now())
	if err != nil {
		h.cfg.Logger.Error("dashboard history", zap.String("function", fn), zap.Error(err))
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error (see the dashboard's log)"})
		return
	}
	out := historyJSON{
		Function: fn, EveryS: hc.every.Seconds(), WindowS: hc.window.Seconds(),
		T: make([]float64, len(samples)), Lag: make([]*int64, len(samples)), Pending: make([]int64, len(samples)),
		Dead: make([]int64, len(samples)), In: make([]*float64, len(samples)), Out: make([]*float64, len(samples)),
	}
	for i, s := range samples {
		out.T[i] = float64(s.At.UnixMilli()) / 1000
		if s.Lag >= 0 {
			lag := s.Lag
			out.Lag[i] = &lag
		}
		out.Pending[i], out.Dead[i] = max(s.Pending, 0), max(s.Dead, 0)
		if i > 0 {
			rt := ratesBetween(samples[i-1], s)
			out.In[i], out.Out[i] = rt.In, rt.Out
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// authedJSON serves next to a request with a valid session cookie; any
// other gets 401 with a JSON error (a script cannot follow a redirect to
// the login form).
func (h *Handler) authedJSON(next sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s, ok := h.sessions.FromRequest(r); ok {
			next(w, r, s)
			return
		}
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "no session: log in first"})
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
