package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/render"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/ops"
)

// writeJSON answers v as JSON with status (render.JSON); no answer of
// the admin API is cached.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	render.Status(r, status)
	render.JSON(w, r, v)
}

// writeError answers {"error": msg}.
func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	writeJSON(w, r, status, map[string]string{"error": msg})
}

// fail answers an error from ops: not found 404, invalid 400 (their texts
// are ops' own), anything else 500 with a generic text, logged.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ops.ErrNotFound):
		writeError(w, r, http.StatusNotFound, clientText(err, ops.ErrNotFound))
	case errors.Is(err, ops.ErrInvalid):
		writeError(w, r, http.StatusBadRequest, clientText(err, ops.ErrInvalid))
	default:
		h.cfg.Logger.Error("admin request failed", zap.String("method", r.Method), zap.String("path", r.URL.Path), zap.Error(err))
		writeError(w, r, http.StatusInternalServerError, "internal error")
	}
}

// clientText is err's message without the sentinel's suffix.
func clientText(err, sentinel error) string {
	return strings.TrimSuffix(err.Error(), ": "+sentinel.Error())
}

// decodeSelection reads a {"ids": [...]} or {"all": true} body strictly.
func decodeSelection(w http.ResponseWriter, r *http.Request) (ops.Selection, bool) {
	var sel ops.Selection
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&sel)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeError(w, r, http.StatusRequestEntityTooLarge, "request body too large")
		return sel, false
	case err != nil:
		writeError(w, r, http.StatusBadRequest, `want a JSON body {"ids": ["1712345678901-0", ...]} or {"all": true}`)
		return sel, false
	case dec.More():
		writeError(w, r, http.StatusBadRequest, "invalid JSON: trailing data")
		return sel, false
	}
	if err := sel.Validate(); err != nil {
		writeError(w, r, http.StatusBadRequest, clientText(err, ops.ErrInvalid))
		return sel, false
	}
	return sel, true
}
