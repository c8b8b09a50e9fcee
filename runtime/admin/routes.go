package admin

import (
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/ops"
)

// maxShowLimit caps ?limit= of GET /admin/dlq/{function}.
const maxShowLimit = 1000

func (h *Handler) routes() {
	route := func(method, path string, f http.HandlerFunc) {
		h.mux.HandleFunc(method+" "+Prefix+path, f)
		// The same path with another method: 405, as JSON.
		h.mux.HandleFunc(Prefix+path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", method)
			writeError(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed")
		})
	}
	route(http.MethodGet, "/functions", h.status)
	route(http.MethodGet, "/dlq", h.listDLQ)
	route(http.MethodGet, "/dlq/{function}", h.showDLQ)
	route(http.MethodPost, "/dlq/{function}/replay", h.replay)
	route(http.MethodPost, "/dlq/{function}/purge", h.purge)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "no route "+r.Method+" "+r.URL.Path)
	})
}

func (h *Handler) status(w http.ResponseWriter, r *http.Request) {
	st, err := h.cfg.Ops.Status(r.Context())
	h.answer(w, r, st, err)
}

func (h *Handler) listDLQ(w http.ResponseWriter, r *http.Request) {
	list, err := h.cfg.Ops.ListDLQ(r.Context(), 0)
	h.answer(w, r, list, err)
}

func (h *Handler) showDLQ(w http.ResponseWriter, r *http.Request) {
	opts := ops.ShowOptions{Limit: ops.DefaultShowLimit, IDs: r.URL.Query()["id"]}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxShowLimit {
			writeError(w, r, http.StatusBadRequest, "limit: want a number from 1 to "+strconv.Itoa(maxShowLimit))
			return
		}
		opts.Limit = n
	}
	page, err := h.cfg.Ops.ShowDLQ(r.Context(), r.PathValue("function"), opts)
	h.answer(w, r, page, err)
}

// replay answers 200 with an ops.ReplayResult; ids not in the stream are
// listed in its not_found.
func (h *Handler) replay(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "admin replay", func(fn string, sel ops.Selection) (any, []zap.Field, error) {
		res, err := h.cfg.Ops.Replay(r.Context(), fn, sel, nil)
		return res, []zap.Field{zap.Int("replayed", res.Replayed), zap.Int("not_found", len(res.NotFound)), zap.Int("failed", len(res.Failed))}, err
	})
}

// purge answers 200 with an ops.PurgeResult. The body must name what to
// delete ({"all": true} or ids): there is no default.
func (h *Handler) purge(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, "admin purge", func(fn string, sel ops.Selection) (any, []zap.Field, error) {
		res, err := h.cfg.Ops.Purge(r.Context(), fn, sel)
		return res, []zap.Field{zap.Int64("purged", res.Purged), zap.Int("not_found", len(res.NotFound))}, err
	})
}

// act runs an action on the selection in the request's body, logs it as
// what with the fields do returns, and answers its result.
func (h *Handler) act(w http.ResponseWriter, r *http.Request, what string, do func(string, ops.Selection) (any, []zap.Field, error)) {
	sel, ok := decodeSelection(w, r)
	if !ok {
		return
	}
	fn := r.PathValue("function")
	res, fields, err := do(fn, sel)
	h.cfg.Logger.Info(what, append([]zap.Field{zap.String("function", fn), zap.Bool("all", sel.All), zap.Int("ids", len(sel.IDs))}, fields...)...)
	h.answer(w, r, res, err)
}

// answer writes v with 200, or err (see fail).
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, v)
}
