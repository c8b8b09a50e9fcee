package dashboard

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/dashboard/internal/history"
	"github.com/ordershop/functions/runtime/dashboard/internal/jobs"
	"github.com/ordershop/functions/runtime/dashboard/internal/live"
	"github.com/ordershop/functions/runtime/dashboard/internal/session"
	"github.com/ordershop/functions/runtime/ops"
)

// DefaultSessionLifetime is how long a session lasts when Config sets no
// SessionLifetime.
const DefaultSessionLifetime = 12 * time.Hour

// DefaultPageSize is how many dead letters one page lists when Config
// sets no PageSize.
const DefaultPageSize = 50

// DefaultTitle names the dashboard in its pages when Config sets no Title.
const DefaultTitle = "Functions"

// JobTTL is how long a job's record is kept after its last write.
const JobTTL = 24 * time.Hour

// DefaultKeyPrefix starts the dashboard's own Redis keys when Config sets
// no KeyPrefix.
const DefaultKeyPrefix = "functions:dashboard"

// Config wires a Handler.
type Config struct {
	// Ops runs the queries and actions; required.
	Ops *ops.Ops
	// Token is the admin token: its sessions see every page and may
	// replay and purge. Required.
	Token string
	// ReadOnlyToken, when set, starts sessions that see every page but
	// get 403 on replay and purge. It must differ from Token.
	ReadOnlyToken string
	// Prefix is the path the dashboard is served under ("/admin/ui"); ""
	// means the root. The handler expects full paths (it strips Prefix
	// itself) and scopes its cookie to it.
	Prefix string
	// Title names the dashboard in its pages; "" means DefaultTitle.
	Title string
	// SecureCookie marks the session cookie Secure: set it when the
	// dashboard is served over HTTPS.
	SecureCookie bool
	// SessionLifetime bounds a session; 0 means DefaultSessionLifetime.
	SessionLifetime time.Duration
	// PageSize is how many dead letters a page lists; 0 means
	// DefaultPageSize.
	PageSize int
	// Logger gets one line per login, replay and purge, and internal
	// errors; nil means none. Tokens are never logged.
	Logger *zap.Logger
	// Now is the clock for sessions, login limits and jobs; nil means
	// time.Now.
	Now func() time.Time
	// KeyPrefix starts the dashboard's own keys in the Ops's Redis: jobs
	// (<KeyPrefix>:jobs, <KeyPrefix>:jobs:<id>), logged-out sessions
	// (<KeyPrefix>:revoked:<nonce>) and the history (<KeyPrefix>:history:
	// <function>, unless HistoryKey says otherwise). Dashboards that share
	// it (and the tokens) share jobs, logouts and history. "" means
	// DefaultKeyPrefix; an application passes its own name.
	KeyPrefix string

	// HistoryKey starts the Redis keys of the history of every function's
	// lag and throughput that Run samples and the overview charts (see
	// Run): HistoryKey+":"+function holds a function's samples. ""
	// means KeyPrefix+":history".
	HistoryKey string
	// SampleEvery is how often Run samples: 0 means DefaultSampleEvery, a
	// negative value disables the history (no sampling, no chart, no
	// rates).
	SampleEvery time.Duration
	// HistoryWindow is how far back the history reaches (and so how much
	// of it Redis keeps: HistoryWindow/SampleEvery+1 samples a function);
	// 0 means DefaultHistoryWindow.
	HistoryWindow time.Duration
	// MaxLiveStreams bounds the live (Server-Sent Events) streams served
	// at a time; 0 means DefaultMaxLiveStreams, or half the Redis client's
	// pool when that is smaller (each stream holds a pooled connection
	// while it blocks, and pages need the rest).
	MaxLiveStreams int
	// LiveBlock is how long one blocking read of a live stream waits (and
	// so how long a stream may outlive CloseLive: go-redis does not cut a
	// blocked read short); 0 means DefaultLiveBlock, more than 5s means 5s.
	LiveBlock time.Duration
	// ReactionScan bounds the entries of each stream an entity's page
	// reads looking for reactions; 0 means ops.DefaultReactionScan.
	ReactionScan int
}

// Handler is the dashboard, an http.Handler serving paths under
// Config.Prefix. It is safe for concurrent use.
type Handler struct {
	cfg      Config
	sessions session.Signer
	pages    pages
	mux      *http.ServeMux
	jobs     *jobs.Runner
	logins   *session.LoginLimiter
	logouts  session.Revocations
	history  history.Store
	sampler  *history.Sampler
	live     *live.Streams
}

// New builds the dashboard. It refuses a Config without Ops or Token, or
// with a ReadOnlyToken equal to Token.
func New(cfg Config) (*Handler, error) {
	switch {
	case cfg.Ops == nil:
		return nil, errors.New("dashboard: Config.Ops is required")
	case cfg.Token == "":
		return nil, errors.New("dashboard: an admin token is required (Config.Token)")
	case cfg.ReadOnlyToken == cfg.Token:
		return nil, errors.New("dashboard: the read-only token must differ from the admin token")
	}
	cfg.Prefix = strings.TrimRight(cfg.Prefix, "/")
	cfg.Title = cmp.Or(cfg.Title, DefaultTitle)
	cfg.SessionLifetime = cmp.Or(max(cfg.SessionLifetime, 0), DefaultSessionLifetime)
	cfg.PageSize = cmp.Or(max(cfg.PageSize, 0), DefaultPageSize)
	cfg.Logger = cmp.Or(cfg.Logger, zap.NewNop())
	cfg.KeyPrefix = cmp.Or(cfg.KeyPrefix, DefaultKeyPrefix)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxLiveStreams <= 0 {
		cfg.MaxLiveStreams = defaultLiveStreams(cfg.Ops.Redis())
	}
	cfg.LiveBlock = min(cmp.Or(max(cfg.LiveBlock, 0), DefaultLiveBlock), maxLiveBlock)
	p, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	h := &Handler{cfg: cfg, sessions: session.NewSigner(cfg.Token, cfg.ReadOnlyToken, cfg.SessionLifetime, cfg.Now), pages: p, mux: http.NewServeMux(), live: live.NewStreams(cfg.MaxLiveStreams)}
	rdb := cfg.Ops.Redis()
	h.jobs = jobs.NewRunner(jobs.NewStore(rdb, cfg.KeyPrefix, JobTTL), cfg.Ops, cfg.Logger, cfg.Now)
	h.logins = session.NewLoginLimiter(loginLimits, cfg.Now)
	h.logouts = session.NewRevocations(rdb, cfg.KeyPrefix, cfg.Now)
	h.history = history.NewStore(newHistoryConfig(cfg), cfg.Ops.Inspector().Redis())
	h.sampler = history.NewSampler(h.history, cfg.Ops, cfg.Logger)
	h.routes()
	return h, nil
}

// Close ends the live streams (CloseLive), stops the jobs this Handler
// runs and waits until each has recorded that it was interrupted (a few
// seconds at most); a job started afterwards is refused with 503. Call it
// when shutdown begins (runtime.Setup.Stopping does) or once the HTTP
// server has shut down. It is safe to call more than once.
func (h *Handler) Close() error {
	h.CloseLive()
	h.jobs.Close()
	return nil
}

// routes registers every page and action.
func (h *Handler) routes() {
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles()))
	h.mux.HandleFunc("GET /login", h.loginForm)
	h.mux.HandleFunc("POST /login", h.login)
	h.mux.HandleFunc("POST /logout", h.authed(h.withCSRF(h.logout)))
	h.mux.HandleFunc("GET /{$}", h.authed(h.overview))
	h.mux.HandleFunc("GET /functions/{function}/dead-letters", h.authed(h.deadLetters))
	h.mux.HandleFunc("GET /functions/{function}/dead-letters/{id}", h.authed(h.deadLetter))
	h.mux.HandleFunc("POST /functions/{function}/replay", h.authed(h.writer(h.replay)))
	h.mux.HandleFunc("POST /functions/{function}/purge", h.authed(h.writer(h.purge)))
	h.mux.HandleFunc("GET /jobs", h.authed(h.jobsList))
	h.mux.HandleFunc("GET /jobs/{id}", h.authed(h.jobShow))
	h.mux.HandleFunc("POST /jobs/{id}/resume", h.authed(h.writer(h.jobResume)))
	h.mux.HandleFunc("GET /functions/{function}/history.json", h.authedJSON(h.serveHistory))
	h.liveRoutes()
}

// ServeHTTP strips Prefix, sets the security headers and serves the
// request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, h.cfg.Prefix)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		http.NotFound(w, r)
		return
	}
	if rest == "" {
		http.Redirect(w, r, h.cfg.Prefix+"/", http.StatusSeeOther)
		return
	}
	secureHeaders(w.Header())
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = rest, ""
	h.mux.ServeHTTP(w, r2)
}

// secureHeaders are sent with every answer.
func secureHeaders(hd http.Header) {
	hd.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: under no-referrer browsers send
	// "Origin: null" with a form's POST, which session.SameOrigin refuses.
	hd.Set("Referrer-Policy", "same-origin")
}
