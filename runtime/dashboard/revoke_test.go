package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// sessionCookie is c's session cookie on s.
func (c *client) sessionCookie() *http.Cookie {
	c.s.t.Helper()
	u, err := url.Parse(c.s.url)
	if err != nil {
		c.s.t.Fatal(err)
	}
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == "dashboard_session" {
			return ck
		}
	}
	c.s.t.Fatal("no session cookie")
	return nil
}

// withCookie returns a client on s that sends a copy of ck.
func (s *site) withCookie(ck *http.Cookie) *client {
	s.t.Helper()
	c := s.anonymous()
	u, err := url.Parse(s.url)
	if err != nil {
		s.t.Fatal(err)
	}
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
	return c
}

// loggedInThroughFault logs in to a dashboard whose Redis client goes
// through a fault that watches no function, and returns the fault, the
// client and its CSRF token.
func loggedInThroughFault(t *testing.T) (*fault, *client, string) {
	t.Helper()
	f := newFault("none")
	s := serve(t, f.client(t), dashboard.Config{Token: opstest.Unique("admin")})
	c := s.loggedIn(s.admin)
	return f, c, c.csrf()
}

func TestLogoutRevokesACopyOfTheCookieOnEveryDashboardOfTheRedis(t *testing.T) {
	cfg := dashboard.Config{Token: opstest.Unique("admin"), ReadOnlyToken: opstest.Unique("read")}
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
