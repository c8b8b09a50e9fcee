// Package admin is the operator API mounted in the gateway under /admin:
// the functions' status and the dead-letter queues, over HTTP and JSON.
// It answers the same as the ordershop CLI, both being thin layers over
// internal/ops.
//
//	GET  /admin/functions                 status of every function (as `ordershop status --json`)
//	GET  /admin/dlq                       dead-letter summary per function (as `ordershop dlq list --json`)
//	GET  /admin/dlq/{function}?limit=N    a function's dead letters, oldest first (as `ordershop dlq show`)
//	POST /admin/dlq/{function}/replay     body {"ids": [...]} or {"all": true}
//	POST /admin/dlq/{function}/purge      body {"ids": [...]} or {"all": true}
//
// Every request needs "Authorization: Bearer <ADMIN_TOKEN>": without it the
// answer is 401, with another token 403. With no token configured, /admin
// does not exist (404). Errors are JSON {"error": "..."}; Redis errors are
// logged, never shown. The token is never logged.
package admin

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/ops"
)

// Prefix is where the API lives; Handler serves full paths under it, so it
// can be mounted as is (gateway.Mount(admin.Prefix, h)) or served alone.
const Prefix = "/admin"

// DefaultMaxBodyBytes caps request bodies (64 KiB: room for
// ops.MaxSelectedIDs ids).
const DefaultMaxBodyBytes = 64 << 10

// Config wires a Handler.
type Config struct {
	// Ops runs the queries and actions.
	Ops *ops.Ops
	// Token is ADMIN_TOKEN; empty disables the API (every path answers 404).
	Token string
	// Logger gets one line per replay or purge, and internal errors.
	Logger *zap.Logger
	// MaxBodyBytes caps request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Handler is the admin API, an http.Handler serving paths under Prefix.
type Handler struct {
	cfg       Config
	tokenHash [sha256.Size]byte
	mux       *http.ServeMux
}

// New builds the admin API.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	h := &Handler{cfg: cfg, tokenHash: sha256.Sum256([]byte(cfg.Token)), mux: http.NewServeMux()}
	h.routes()
	return h
}

// ServeHTTP checks the bearer token, then serves the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Token == "" {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	given, ok := bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ordershop-admin"`)
		writeError(w, http.StatusUnauthorized, "missing bearer token")
		return
	}
	// Comparing fixed-size hashes keeps the token's length secret too.
	givenHash := sha256.Sum256([]byte(given))
	if subtle.ConstantTimeCompare(givenHash[:], h.tokenHash[:]) != 1 {
		writeError(w, http.StatusForbidden, "wrong token")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	h.mux.ServeHTTP(w, r)
}

// bearer returns the token of an "Authorization: Bearer <token>" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}
