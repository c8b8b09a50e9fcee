package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginWithTheRightTokenStartsASession(t *testing.T) {
	s := newSite(t, srv.Client(t))
	c := s.anonymous()
	res, _ := c.post("/login", url.Values{"token": {s.admin}})
	wantStatus(t, "login", res, "", http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/" {
		t.Errorf("login redirects to %q, want /", loc)
	}
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("login set %d cookies, want 1", len(cookies))
	}
	ck := cookies[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Value == "" {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/ and a value", ck)
	}
	res, body := c.get("/")
	wantStatus(t, "overview after login", res, body, http.StatusOK)
	if !strings.Contains(body, "Log out") {
		t.Errorf("overview after login has no logout button:\n%s", body)
	}
}

func TestLoginWithAWrongTokenIsRefused(t *testing.T) {
	s := newSite(t, srv.Client(t))
	c := s.anonymous()
	for name, token := range map[string]string{"wrong": "not-the-token", "empty": "", "prefix": s.admin[:len(s.admin)-1]} {
		t.Run(name, func(t *testing.T) {
			res, body := c.post("/login", url.Values{"token": {token}})
			wantStatus(t, "login", res, body, http.StatusUnauthorized)
			if len(res.Cookies()) != 0 {
				t.Errorf("a refused login set cookies: %v", res.Cookies())
			}
			if !strings.Contains(body, "Wrong token.") {
				t.Errorf("a refused login does not say so:\n%s", body)
			}
			res, _ = c.get("/")
			wantStatus(t, "overview after a refused login", res, "", http.StatusSeeOther)
		})
	}
}

func TestPageWithoutASessionRedirectsToLogin(t *testing.T) {
	s := newSite(t, srv.Client(t))
	for name, cookie := range map[string]string{"no cookie": "", "forged cookie": "admin.99999999999.00", "token as cookie": s.admin} {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"/", deadLettersPath("any"), deadLettersPath("any") + "/1-1"} {
				req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if cookie != "" {
					req.AddCookie(&http.Cookie{Name: "dashboard_session", Value: cookie})
				}
				res, body := s.anonymous().read(s.anonymous().c.Do(req))
				wantStatus(t, "GET "+path, res, body, http.StatusSeeOther)
				if loc := res.Header.Get("Location"); loc != "/login" {
					t.Errorf("GET %s redirects to %q, want /login", path, loc)
				}
			}
		})
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	s := newSite(t, srv.Client(t))
	c := s.loggedIn(s.admin)
	res, body := c.post("/logout", url.Values{"csrf": {c.csrf()}})
	wantStatus(t, "logout", res, body, http.StatusSeeOther)
	res, _ = c.get("/")
	wantStatus(t, "overview after logout", res, "", http.StatusSeeOther)
}

func TestPagesAreSentWithSecureHeaders(t *testing.T) {
	s := newSite(t, srv.Client(t))
	c := s.loggedIn(s.admin)
	for _, path := range []string{"/login", "/"} {
		res, _ := c.get(path)
		for k, want := range map[string]string{
			"X-Frame-Options": "DENY", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
		} {
			if got := res.Header.Get(k); got != want {
				t.Errorf("GET %s: %s %q, want %q", path, k, got, want)
			}
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
			t.Errorf("GET %s: Content-Security-Policy %q, want default-src 'self'", path, csp)
		}
	}
	res, body := c.get("/static/dashboard.css")
	wantStatus(t, "stylesheet", res, body, http.StatusOK)
	if !strings.Contains(res.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet Content-Type %q", res.Header.Get("Content-Type"))
	}
}

func TestLogoutRevokesACopyOfTheCookieOnEveryDashboardOfTheRedis(t *testing.T) {
	cfg := twoTokens()
	gatewayUI, standalone := serve(t, srv.Client(t), cfg), serve(t, srv.Client(t), cfg)
	c := gatewayUI.loggedIn(gatewayUI.admin)
	ck := c.sessionCookie()
	copyHere, copyThere := gatewayUI.withCookie(ck), standalone.withCookie(ck)
	csrf := copyHere.csrf() // the copy works, on both dashboards, before the logout
	copyThere.csrf()
	other := gatewayUI.loggedIn(gatewayUI.admin)

	res, body := c.post("/logout", url.Values{"csrf": {c.csrf()}})
	wantStatus(t, "logout", res, body, http.StatusSeeOther)
	for name, cl := range map[string]*client{"same dashboard": copyHere, "other dashboard": copyThere} {
		res, _ := cl.get("/")
		if wantStatus(t, name+": GET / with the logged-out cookie", res, "", http.StatusSeeOther); res.Header.Get("Location") != "/login" {
			t.Errorf("%s: the logged-out cookie redirects to %q, want /login", name, res.Header.Get("Location"))
		}
		res, body := cl.post("/logout", url.Values{"csrf": {csrf}})
		wantStatus(t, name+": POST with the logged-out cookie", res, body, http.StatusForbidden)
		// The script's routes too: the chart's data and the live streams.
		for _, path := range []string{"/functions/f/history.json", "/status/live", "/events/live", "/functions/f/dead-letters/live"} {
			res, body := cl.get(path)
			wantStatus(t, name+": GET "+path+" with the logged-out cookie", res, body, http.StatusUnauthorized)
		}
	}
	res, body = other.get("/")
	wantStatus(t, "another session after the logout", res, body, http.StatusOK)
}

func TestSessionsAreRefusedWhileRedisCannotSayWhetherTheyLoggedOut(t *testing.T) {
	f, c, csrf := loggedInThroughFault(t)
	f.kill()
	res, body := c.get("/")
	wantStatus(t, "GET / while Redis is down", res, body, http.StatusServiceUnavailable)
	if !strings.Contains(body, "Redis is unreachable") {
		t.Errorf("the 503 page does not say why:\n%s", body)
	}
	res, body = c.post("/logout", url.Values{"csrf": {csrf}})
	wantStatus(t, "logout while Redis is down", res, body, http.StatusServiceUnavailable)
}

func TestLogoutWhileRedisIsDownSaysTheCookieStaysValid(t *testing.T) {
	f, c, csrf := loggedInThroughFault(t)
	f.failSets.Store(true)
	res, body := c.post("/logout", url.Values{"csrf": {csrf}})
	wantStatus(t, "logout while Redis refuses writes", res, body, http.StatusServiceUnavailable)
	if !strings.Contains(body, "could not be revoked") || !strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), ";"), "Max-Age=0") {
		t.Errorf("a logout that could not revoke does not clear the cookie and say so:\n%s", body)
	}
}
