// Package dashboard is the operators' web dashboard: an http.Handler that
// shows every function's status and its dead letters, and replays or
// purges them. It is built on runtime/ops (and through it on
// inspect.Inspector) alone, knows nothing about a particular application
// (the event log's names come in through ops.Options), keeps its own
// state (jobs, logged-out sessions) in the Ops's Redis under
// Config.KeyPrefix, and serves
// server-rendered html/template pages that work without JavaScript, with
// its templates and stylesheet embedded: nothing is fetched at run time.
//
//	GET  /login                                   the login form
//	POST /login                                   token=… starts a session
//	POST /logout                                  ends it
//	GET  /                                        every function: lag, pending, retrying, dead, consumers
//	GET  /functions/{function}/dead-letters       search (type, error, since, until), newest first, paged
//	GET  /functions/{function}/dead-letters/{id}  one dead letter
//	POST /functions/{function}/replay             ids=… or all=1 with a filter: confirm, then replay
//	POST /functions/{function}/purge              the same, then purge
//	GET  /jobs                                    the replays and purges of all that match, of the last 24 h
//	GET  /jobs/{id}                               one of them: state, progress (reloads itself while running)
//	POST /jobs/{id}/resume                        run an interrupted or failed one again
//	GET  /functions/{function}/history.json       its samples of the last hour (401 without a session)
//	GET  /static/dashboard.css                    the stylesheet
//	GET  /static/charts.js, /static/vendor/uplot/ the overview's chart (uPlot, vendored)
//	GET  /events                                  the newest events (stream, type, entity), live
//	GET  /events/live                             SSE: new events that match (Last-Event-ID resumes)
//	GET  /entities                                look up an entity (aggregate, id)
//	GET  /entities/{aggregate}/{id}               an entity's events with the reactions they caused
//	GET  /functions/{function}/dead-letters/live  SSE: new dead letters, the total, the ones gone
//	GET  /status/live                             SSE: every function's counts, every 2 s
//	GET  /static/live.js                          the live updates (pages work without it)
//
// A replay or purge of the selected ids runs inside its POST. One of all
// that match a search runs as a job: the POST records it in Redis (a hash
// under Config.KeyPrefix, kept JobTTL after its last write), runs it in a
// goroutine of the Handler and redirects to its page, which shows the
// progress the Inspector reports (written every 100 entries or 500 ms)
// and refreshes itself with <meta http-equiv="refresh"> while it runs.
// A run writes a heartbeat every 2 s; a running job whose heartbeat is
// over 10 s old (its process died) is shown as interrupted, as is one
// whose Handler was closed (Handler.Close), and either can be resumed:
// the new run replays what is left, and never a dead letter twice, since
// each replayed dead letter is claimed (inspect.ReplayClaimKey) and the
// new run is bounded to dead letters written before the job started. A
// run that finds its job resumed elsewhere stops.
//
// Live streams (Server-Sent Events) need a session (else 401), are at
// most Config.MaxLiveStreams at a time (else 503), block on Redis at
// most Config.LiveBlock (1 s by default, ≤ 5 s) per read, send a comment
// every 15 s when idle, and end when the client goes away, when their
// session expires, or within one read of CloseLive.
//
// Paths are under Config.Prefix. Security: every page needs a session,
// started by POSTing the admin token (or the read-only token) to /login.
// The session cookie (HttpOnly, SameSite=Strict, Path=Prefix) holds an
// expiry and an HMAC keyed by the token, never the token; tokens and
// MACs are compared in constant time. Every mutating request is a POST
// carrying a CSRF token (an HMAC of the session) in a hidden field, and
// is refused with 403 without it; read-only sessions get 403 on replay
// and purge (and on starting or resuming jobs; they may view them). A
// logout records the session as revoked in Redis
// (<KeyPrefix>:revoked:<nonce>, until the session would have expired),
// and every authenticated request checks that with one EXISTS, so a
// copied cookie stops working on every dashboard sharing the Redis and
// KeyPrefix; while Redis cannot answer, authenticated requests are
// refused with 503 (every page needs Redis anyway). A client (the host of
// RemoteAddr) that sent LoginFailures wrong tokens within LoginWindow
// gets 429 with Retry-After, whatever token it sends, until the window
// moves on; the limit is in memory, per Handler, for at most LoginClients
// clients. No token appears in a URL, a page or a log line. Pages are
// sent with Content-Security-Policy default-src 'self', X-Frame-Options
// DENY and Cache-Control no-store.
//
// History: Handler.Run samples every function each Config.SampleEvery
// (10 s) into Redis, one stream a function (Config.HistoryKey+":"+name)
// bounded to HistoryWindow/SampleEvery+1 entries (XADD MAXLEN, exact) and
// to the window in time (XTRIM MINID; the key expires after two windows
// without a sample). A sample holds the lag, pending and dead counts and
// two counters: entries added to the function's streams (XINFO STREAM
// entries-added) and entries its group settled (XINFO GROUPS entries-read
// minus pending). The overview shows in/s and out/s from the last two
// samples in its HTML, and charts the window with uPlot when JavaScript
// runs. Several dashboards on one Redis write one sample a round: each
// round is claimed with SET NX, and a sample's entry id is its round.
//
// Layout: this package is the HTTP side, with the embedded templates and
// static files: Config, New and the routes (dashboard.go), login, logout
// and the guards of every route (login.go), templates and error pages
// (render.go), the overview and dead-letter pages (pages.go,
// history_pages.go), the history's settings and Run (history.go), replay
// and purge (actions.go), job pages (jobpages.go), events and entity
// pages (events.go, entity.go), the live routes (live_routes.go) and the
// pages' paths (paths.go). It calls into internal packages that know no
// routes or templates: internal/session (session cookies, CSRF,
// same-origin check, logouts in Redis, login limit), internal/form (what
// the forms state), internal/jobs (job records, runs, resume),
// internal/history (sampler, samples in Redis, rates, chart columns) and
// internal/live (the SSE writer, the bound on open streams, the loops
// that block on Redis).
package dashboard
