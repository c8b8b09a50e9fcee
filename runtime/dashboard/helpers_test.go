package dashboard_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// site is a dashboard served on loopback with its two tokens. Every
// response it gives is checked for the tokens when the test ends.
type site struct {
	t               *testing.T
	url             string
	admin, readOnly string
	rec             *recorder
	rdb             redis.UniversalClient
	h               *dashboard.Handler
}

// newSite serves a dashboard on rdb with fresh tokens and pages of 10.
func newSite(t *testing.T, rdb redis.UniversalClient) *site {
	t.Helper()
	return serve(t, rdb, dashboard.Config{Token: opstest.Unique("admin-token"), ReadOnlyToken: opstest.Unique("read-token"), PageSize: 10})
}

// serve serves a dashboard with cfg, its Ops on rdb, on loopback. Every
// response is checked for cfg's tokens when the test ends.
func serve(t *testing.T, rdb redis.UniversalClient, cfg dashboard.Config) *site {
	t.Helper()
	cfg.Ops = opstest.Ops(rdb)
	h, err := dashboard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(func() { _ = h.Close() }) // after the server's Close (cleanups run last first)
	t.Cleanup(ts.Close)
	s := &site{t: t, url: ts.URL, admin: cfg.Token, readOnly: cfg.ReadOnlyToken, rdb: rdb, h: h, rec: &recorder{next: http.DefaultTransport}}
	t.Cleanup(func() { s.rec.mustNotContain(t, s.admin, s.readOnly) })
	return s
}

// recorder is a RoundTripper that keeps every response's body and
// Set-Cookie headers.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := r.next.RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, err := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.seen = append(r.seen, string(body), strings.Join(res.Header.Values("Set-Cookie"), "\n"), res.Header.Get("Location"))
	r.mu.Unlock()
	return res, nil
}

// mustNotContain fails if any response showed one of secrets (empty
// ones, a token not configured, are left out).
func (r *recorder) mustNotContain(t *testing.T, secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.seen {
		for _, secret := range secrets {
			if secret != "" && strings.Contains(s, secret) {
				t.Errorf("a response shows a token: %q", s)
			}
		}
	}
}

// client is a browser without JavaScript: a cookie jar, no redirects
// followed.
type client struct {
	s *site
	c *http.Client
}

// anonymous returns a client without a session.
func (s *site) anonymous() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return &client{s: s, c: &http.Client{Jar: jar, Transport: s.rec, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// loggedIn returns a client that logged in with token.
func (s *site) loggedIn(token string) *client {
	s.t.Helper()
	c := s.anonymous()
	if res, _ := c.post("/login", url.Values{"token": {token}}); res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("login: %s, want 303", res.Status)
	}
	return c
}

// get fetches path and returns the response and its body.
func (c *client) get(path string) (*http.Response, string) {
	c.s.t.Helper()
	res, err := c.c.Get(c.s.url + path)
	return c.read(res, err)
}

// post sends form to path.
func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.s.t.Helper()
	res, err := c.c.PostForm(c.s.url+path, form)
	return c.read(res, err)
}

func (c *client) read(res *http.Response, err error) (*http.Response, string) {
	c.s.t.Helper()
	if err != nil {
		c.s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.s.t.Fatal(err)
	}
	return res, string(b)
}

// csrfField finds the CSRF token in a page's forms.
var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// csrf returns the CSRF token the overview page carries.
func (c *client) csrf() string {
	c.s.t.Helper()
	res, body := c.get("/")
	m := csrfField.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		c.s.t.Fatalf("overview: %s without a CSRF token:\n%s", res.Status, body)
	}
	return m[1]
}

// wantStatus fails unless res has status want.
func wantStatus(t *testing.T, what string, res *http.Response, body string, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s: %s, want %d\n%s", what, res.Status, want, body)
	}
}

// deadLettersPath is the list page of function.
func deadLettersPath(function string) string { return "/functions/" + function + "/dead-letters" }
