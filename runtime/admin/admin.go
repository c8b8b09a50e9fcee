// Package admin is the operator API that an application mounts under
// /admin (the shop's gateway does): the functions' status and the
// dead-letter queues, over HTTP and JSON.
// It answers the same as the ordershop CLI, both being thin layers over
// runtime/ops, which is built on inspect.Inspector alone.
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

	"github.com/ordershop/functions/runtime/ops"
)

// Prefix is where the API lives; Handler serves full paths under it, so it
// can be mounted as is (a chi router's Mount(admin.Prefix, h)) or served alone.
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
	// Realm names the API in the WWW-Authenticate header of a 401;
	// empty means DefaultRealm.
	Realm string
}

// DefaultRealm is the realm of a Config without one.
const DefaultRealm = "admin"

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
	if cfg.Realm == "" {
		cfg.Realm = DefaultRealm
	}
	h := &Handler{cfg: cfg, tokenHash: sha256.Sum256([]byte(cfg.Token)), mux: http.NewServeMux()}
	h.routes()
	return h
}

// ServeHTTP checks the bearer token, then serves the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Token == "" {
		writeError(w, r, http.StatusNotFound, "not found")
		return
	}
	given, ok := bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+h.cfg.Realm+`"`)
		writeError(w, r, http.StatusUnauthorized, "missing bearer token")
		return
	}
	// Comparing fixed-size hashes keeps the token's length secret too.
	givenHash := sha256.Sum256([]byte(given))
	if subtle.ConstantTimeCompare(givenHash[:], h.tokenHash[:]) != 1 {
		writeError(w, r, http.StatusForbidden, "wrong token")
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
