package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

func TestNewRefusesAConfigWithoutTokenOrOps(t *testing.T) {
	o := opstest.Ops(srv.Client(t))
	for name, cfg := range map[string]dashboard.Config{
		"no ops":                 {Token: "t"},
		"no token":               {Ops: o},
		"read-only equals admin": {Ops: o, Token: "t", ReadOnlyToken: "t"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := dashboard.New(cfg); err == nil {
				t.Errorf("New(%s) = nil error", name)
			}
		})
	}
}

// clock is a settable time for sessions.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestSessionEndsAfterItsLifetime(t *testing.T) {
	clk := &clock{now: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	s := serve(t, srv.Client(t), dashboard.Config{Token: opstest.Unique("admin"), SessionLifetime: time.Hour, Now: clk.Now})
	c := s.loggedIn(s.admin)
	clk.Add(59 * time.Minute)
	res, body := c.get("/")
	wantStatus(t, "overview within the lifetime", res, body, http.StatusOK)
	clk.Add(time.Minute)
	res, body = c.get("/")
	wantStatus(t, "overview past the lifetime", res, body, http.StatusSeeOther)
}

func TestReadOnlySessionCannotBeTurnedIntoAnAdminOne(t *testing.T) {
	s := newSite(t, srv.Client(t))
	c := s.loggedIn(s.readOnly)
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	cookies := c.c.Jar.Cookies(u)
	if len(cookies) != 1 || !strings.HasPrefix(cookies[0].Value, "read.") {
		t.Fatalf("read-only session cookies %v, want one starting read.", cookies)
	}
	forged := "admin." + strings.TrimPrefix(cookies[0].Value, "read.")
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookies[0].Name, Value: forged, Path: "/"}})
	res, body := c.get("/")
	wantStatus(t, "overview with the role changed in the cookie", res, body, http.StatusSeeOther)
}

func TestDashboardServedUnderAPrefix(t *testing.T) {
	s := serve(t, srv.Client(t), dashboard.Config{Token: opstest.Unique("admin"), Prefix: "/admin/ui/"})
	fn := opstest.Unique("billing")
	seedTwo(t, s, fn)
	c := s.anonymous()
	res, _ := c.get("/admin/ui/")
	if wantStatus(t, "GET /admin/ui/", res, "", http.StatusSeeOther); res.Header.Get("Location") != "/admin/ui/login" {
		t.Errorf("without a session: redirect to %q, want /admin/ui/login", res.Header.Get("Location"))
	}
	res, _ = c.post("/admin/ui/login", url.Values{"token": {s.admin}})
	wantStatus(t, "login", res, "", http.StatusSeeOther)
	if ck := res.Cookies(); len(ck) != 1 || ck[0].Path != "/admin/ui" || res.Header.Get("Location") != "/admin/ui/" {
		t.Errorf("login: cookies %v to %q, want one with Path=/admin/ui and a redirect to /admin/ui/", ck, res.Header.Get("Location"))
	}
	res, body := c.get("/admin/ui/")
	wantStatus(t, "overview", res, body, http.StatusOK)
	for _, want := range []string{`href="/admin/ui/static/dashboard.css"`, `href="/admin/ui/functions/` + fn + `/dead-letters"`, `action="/admin/ui/logout"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview under /admin/ui has no %s:\n%s", want, body)
		}
	}
	for _, path := range []string{"/", "/login", "/admin/uix"} {
		res, body := c.get(path)
		wantStatus(t, "GET "+path+" outside the prefix", res, body, http.StatusNotFound)
	}
}
