// Package dashboard is the operators' web dashboard: an http.Handler that
// shows every function's status and its dead letters, and replays or
// purges them. It is built on runtime/ops (and through it on
// runtime.Inspector) alone, knows nothing about a particular application
// (the event log's names come in through ops.Options), and serves
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
//	GET  /static/dashboard.css                    the stylesheet
//	GET  /events                                  the newest events (stream, type, entity), live
//	GET  /events/live                             SSE: new events that match (Last-Event-ID resumes)
//	GET  /entities                                look up an entity (aggregate, id)
//	GET  /entities/{aggregate}/{id}               an entity's events with the reactions they caused
//	GET  /functions/{function}/dead-letters/live  SSE: new dead letters, the total, the ones gone
//	GET  /status/live                             SSE: every function's counts, every 2 s
//	GET  /static/live.js                          the live updates (pages work without it)
//
// Live streams (Server-Sent Events) need a session (else 401), are at
// most Config.MaxLiveStreams at a time (else 503), block on Redis at
// most Config.LiveBlock (≤ 5 s) per read, send a comment every 15 s
// when idle, and end when the client goes away or CloseLive is called.
//
// Paths are under Config.Prefix. Security: every page needs a session,
// started by POSTing the admin token (or the read-only token) to /login.
// The session cookie (HttpOnly, SameSite=Strict, Path=Prefix) holds an
// expiry and an HMAC keyed by the token, never the token; tokens and
// MACs are compared in constant time. Every mutating request is a POST
// carrying a CSRF token (an HMAC of the session) in a hidden field, and
// is refused with 403 without it; read-only sessions get 403 on replay
// and purge. No token appears in a URL, a page or a log line. Pages are
// sent with Content-Security-Policy default-src 'self', X-Frame-Options
// DENY and Cache-Control no-store.
package dashboard
