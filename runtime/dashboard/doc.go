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
//	GET  /functions/{function}/history.json       its samples of the last hour (401 without a session)
//	GET  /static/dashboard.css                    the stylesheet
//	GET  /static/charts.js, /static/vendor/uplot/ the overview's chart (uPlot, vendored)
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
package dashboard
