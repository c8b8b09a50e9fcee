package admin

import (
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/ops"
)

// maxShowLimit caps ?limit= of GET /admin/dlq/{function}.
const maxShowLimit = 1000

func (h *Handler) routes() {
	route := func(method, path string, f http.HandlerFunc) {
		h.mux.HandleFunc(method+" "+Prefix+path, f)
		// The same path with another method: 405, as JSON.
		h.mux.HandleFunc(Prefix+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", method)
			writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		})
	}
	route(http.MethodGet, "/functions", h.status)
	route(http.MethodGet, "/dlq", h.listDLQ)
	route(http.MethodGet, "/dlq/{function}", h.showDLQ)
	route(http.MethodPost, "/dlq/{function}/replay", h.replay)
	route(http.MethodPost, "/dlq/{function}/purge", h.purge)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no route "+r.Method+" "+r.URL.Path)
	})
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	st, err := h.cfg.Ops.Status(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (h *Handler) listDLQ(w http.ResponseWriter, r *http.Request) {
	list, err := h.cfg.Ops.ListDLQ(r.Context(), 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *Handler) showDLQ(w http.ResponseWriter, r *http.Request) {
	opts := ops.ShowOptions{Limit: ops.DefaultShowLimit, IDs: r.URL.Query()["id"]}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxShowLimit {
			writeError(w, http.StatusBadRequest, "limit: want a number from 1 to "+strconv.Itoa(maxShowLimit))
			return
		}
		opts.Limit = n
	}
	page, err := h.cfg.Ops.ShowDLQ(r.Context(), r.PathValue("function"), opts)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// replay answers 200 with an ops.ReplayResult; ids not in the stream are
// listed in its not_found.
func (h *Handler) replay(w http.ResponseWriter, r *http.Request) {
	sel, ok := decodeSelection(w, r)
	if !ok {
		return
	}
	fn := r.PathValue("function")
	res, err := h.cfg.Ops.Replay(r.Context(), fn, sel, nil)
	h.cfg.Logger.Info("admin replay", zap.String("function", fn), zap.Bool("all", sel.All), zap.Int("ids", len(sel.IDs)),
		zap.Int("replayed", res.Replayed), zap.Int("not_found", len(res.NotFound)), zap.Int("failed", len(res.Failed)))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// purge answers 200 with an ops.PurgeResult. The body must name what to
// delete ({"all": true} or ids): there is no default.
func (h *Handler) purge(w http.ResponseWriter, r *http.Request) {
	sel, ok := decodeSelection(w, r)
	if !ok {
		return
	}
	fn := r.PathValue("function")
	res, err := h.cfg.Ops.Purge(r.Context(), fn, sel)
	h.cfg.Logger.Info("admin purge", zap.String("function", fn), zap.Bool("all", sel.All), zap.Int("ids", len(sel.IDs)),
		zap.Int64("purged", res.Purged), zap.Int("not_found", len(res.NotFound)))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
