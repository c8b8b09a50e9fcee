package dashboard

import (
	"net/http"
	"net/url"

	"go.uber.org/zap"
)

// cookieName names the session cookie.
const cookieName = "dashboard_session"

// maxFormBytes caps a POSTed form (room for ops.MaxSelectedIDs ids).
const maxFormBytes = 1 << 20

// sessionHandler serves a request of a verified session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, s session)

// authed serves next to a request with a valid session cookie; without
// one a GET is redirected to the login form and anything else is 403.
func (h *Handler) authed(next sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		if err == nil {
			if s, ok := h.sessions.check(c.Value); ok {
				next(w, r, s)
				return
			}
		}
		if r.Method == http.MethodGet {
			http.Redirect(w, r, h.cfg.Prefix+"/login", http.StatusSeeOther)
			return
		}
		h.fail(w, r, http.StatusForbidden, "no session: log in first")
	}
}

// withCSRF serves next to a POST from the same origin whose form carries
// the session's CSRF token; anything else is 403.
func (h *Handler) withCSRF(next sessionHandler) sessionHandler {
	return func(w http.ResponseWriter, r *http.Request, s session) {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if !sameOrigin(r) || r.ParseForm() != nil || !h.sessions.validCSRF(s, r.PostForm.Get("csrf")) {
			h.fail(w, r, http.StatusForbidden, "missing or wrong CSRF token: reload the page and try again")
			return
		}
		next(w, r, s)
	}
}

// adminOnly serves next to admin sessions; read-only ones get 403.
func (h *Handler) adminOnly(next sessionHandler) sessionHandler {
	return func(w http.ResponseWriter, r *http.Request, s session) {
		if s.role != roleAdmin {
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

// sameOrigin reports whether a request comes from the dashboard's own
// pages: by the browser's Sec-Fetch-Site when it sends one, else by the
// Origin header, when it has one, naming the host it was sent to.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// loginForm shows the login form.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "login", view{})
}

// login starts a session for a right token and redirects to the
// overview; a wrong one shows the form again with 401.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if !sameOrigin(r) || r.ParseForm() != nil {
		h.fail(w, r, http.StatusForbidden, "login refused")
		return
	}
	ro, ok := h.sessions.login(r.PostForm.Get("token"), h.cfg.Token, h.cfg.ReadOnlyToken)
	if !ok {
		h.cfg.Logger.Info("dashboard login refused", zap.String("remote", r.RemoteAddr))
		h.render(w, r, http.StatusUnauthorized, "login", view{Message: "Wrong token."})
		return
	}
	h.cfg.Logger.Info("dashboard login", zap.String("role", string(ro)), zap.String("remote", r.RemoteAddr))
	h.setCookie(w, h.sessions.issue(ro), int(h.cfg.SessionLifetime.Seconds()))
	http.Redirect(w, r, h.cfg.Prefix+"/", http.StatusSeeOther)
}

// logout clears the session cookie and shows the login form.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request, _ session) {
	h.setCookie(w, "", -1)
	http.Redirect(w, r, h.cfg.Prefix+"/login", http.StatusSeeOther)
}

// setCookie sets (or, with maxAge < 0, deletes) the session cookie.
func (h *Handler) setCookie(w http.ResponseWriter, value string, maxAge int) {
	path := h.cfg.Prefix
	if path == "" {
		path = "/"
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: h.cfg.SecureCookie,
	})
}
