package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/dashboard/internal/session"
)

// Login failure limits: a client (the host of its RemoteAddr) that failed
// LoginFailures times within LoginWindow is refused with 429 until the
// oldest of those failures is LoginWindow old.
const (
	// LoginFailures is how many wrong tokens a client may send per
	// LoginWindow.
	LoginFailures = 5
	// LoginWindow is the window LoginFailures are counted in.
	LoginWindow = time.Minute
	// LoginClients caps the clients whose failures are remembered; past
	// it, the one whose last failure is oldest is forgotten.
	LoginClients = 4096
)

// loginLimits are the limits above, for the Handler's limiter (in
// memory, per Handler: two dashboards count apart).
var loginLimits = session.LoginLimits{Failures: LoginFailures, Window: LoginWindow, Clients: LoginClients}

// maxFormBytes caps a POSTed form (room for ops.MaxSelectedIDs ids).
const maxFormBytes = 1 << 20

// sessionHandler serves a request of a verified session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, s session.Session)

// authed serves next to a request with a valid session cookie; without
// one a GET is redirected to the login form and anything else is 403.
func (h *Handler) authed(next sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := h.session(r)
		switch {
		case errors.Is(err, errSessionUnchecked):
			h.fail(w, r, http.StatusServiceUnavailable, err.Error())
			return
		case err == nil:
			next(w, r, s)
			return
		}
		if r.Method == http.MethodGet {
			http.Redirect(w, r, h.cfg.Prefix+"/login", http.StatusSeeOther)
			return
		}
		h.fail(w, r, http.StatusForbidden, "no session: log in first")
	}
}

// errNoSession is a request without a valid session: no cookie, a
// forged or expired one, or one logged out (revoked).
var errNoSession = errors.New("no session: log in first")

// errSessionUnchecked is a session whose revocation could not be
// checked: the dashboard fails closed.
var errSessionUnchecked = errors.New("Redis is unreachable, so the session cannot be checked: try again shortly")

// session is the request's verified session: its cookie's MAC checks out
// and it was not logged out (one EXISTS in Redis, only after the MAC, so
// a forged cookie never reaches Redis). Every route that needs a session
// goes through it: pages, actions, history.json and the live streams.
func (h *Handler) session(r *http.Request) (session.Session, error) {
	s, ok := h.sessions.FromRequest(r)
	if !ok {
		return s, errNoSession
	}
	revoked, err := h.logouts.Revoked(r.Context(), s)
	switch {
	case err != nil:
		h.cfg.Logger.Error("dashboard session check", zap.Error(err))
		return s, errSessionUnchecked
	case revoked:
		return s, errNoSession
	}
	return s, nil
}

// withCSRF serves next to a POST from the same origin whose form carries
// the session's CSRF token; anything else is 403.
func (h *Handler) withCSRF(next sessionHandler) sessionHandler {
	return func(w http.ResponseWriter, r *http.Request, s session.Session) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if !session.SameOrigin(r) || r.ParseForm() != nil || !h.sessions.ValidCSRF(s, r.PostForm.Get("csrf")) {
			h.fail(w, r, http.StatusForbidden, "missing or wrong CSRF token: reload the page and try again")
			return
		}
		next(w, r, s)
	}
}

// adminOnly serves next to admin sessions; read-only ones get 403.
func (h *Handler) adminOnly(next sessionHandler) sessionHandler {
	return func(w http.ResponseWriter, r *http.Request, s session.Session) {
		if s.Role != session.Admin {
			h.fail(w, r, http.StatusForbidden, "this session is read-only: replay and purge need the admin token")
			return
		}
		next(w, r, s)
	}
}

// writer guards a mutating action: CSRF token, then an admin session.
func (h *Handler) writer(next sessionHandler) sessionHandler {
	return h.withCSRF(h.adminOnly(next))
}

// loginForm shows the login form.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "login", view{})
}

// login starts a session for a right token and redirects to the
// overview; a wrong one shows the form again with 401.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !session.SameOrigin(r) || r.ParseForm() != nil {
		h.fail(w, r, http.StatusForbidden, "login refused")
		return
	}
	client := session.ClientOf(r.RemoteAddr)
	if wait, blocked := h.logins.Blocked(client); blocked {
		h.tooManyLogins(w, r, wait)
		return
	}
	ro, ok := h.sessions.Login(r.PostForm.Get("token"))
	if !ok {
		h.logins.Failed(client)
		h.cfg.Logger.Info("dashboard login refused", zap.String("remote", r.RemoteAddr))
		h.render(w, r, http.StatusUnauthorized, "login", view{Message: "Wrong token."})
		return
	}
	h.cfg.Logger.Info("dashboard login", zap.String("role", string(ro)), zap.String("remote", r.RemoteAddr))
	h.setCookie(w, h.sessions.Issue(ro), int(h.cfg.SessionLifetime.Seconds()))
	http.Redirect(w, r, h.cfg.Prefix+"/", http.StatusSeeOther)
}

// tooManyLogins refuses a login from a client over the failure limit
// with 429, Retry-After and the login form saying how long to wait; the
// token is not checked.
func (h *Handler) tooManyLogins(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := max(1, int((wait+time.Second-1)/time.Second))
	h.cfg.Logger.Info("dashboard login rate-limited", zap.String("remote", r.RemoteAddr), zap.Int("retry_after_s", secs))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	h.render(w, r, http.StatusTooManyRequests, "login", view{Message: fmt.Sprintf(
		"Too many wrong tokens from your address (%d in %d s): try again in %d s.", LoginFailures, int(LoginWindow.Seconds()), secs)})
}

// logout revokes the session in Redis (so that a copy of the cookie
// stops working on every dashboard on that Redis), clears the cookie and
// shows the login form. If Redis cannot record the revocation the cookie
// is still cleared, and the page says that copies stay valid.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, s session.Session) {
	h.setCookie(w, "", -1)
	if err := h.logouts.Revoke(context.WithoutCancel(r.Context()), s); err != nil {
		h.cfg.Logger.Error("dashboard logout", zap.Error(err))
		h.fail(w, r, http.StatusServiceUnavailable, fmt.Sprintf(
			"Logged out in this browser, but Redis is unreachable so the session could not be revoked: a copy of its cookie stays valid until %s.",
			s.Expires.UTC().Format(time.RFC3339)))
		return
	}
	http.Redirect(w, r, h.cfg.Prefix+"/login", http.StatusSeeOther)
}

// setCookie sets (or, with maxAge < 0, deletes) the session cookie.
func (h *Handler) setCookie(w http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(w, session.Cookie(value, h.cfg.Prefix, maxAge, h.cfg.SecureCookie))
}
