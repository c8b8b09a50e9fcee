package dashboard_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

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

// twoTokens is a Config with fresh admin and read-only tokens.
func twoTokens() dashboard.Config {
	return dashboard.Config{Token: opstest.Unique("admin"), ReadOnlyToken: opstest.Unique("read")}
}

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

// seedMany writes n dead letters of function from stream, failed at
// failed, with event ids ev-0 … ev-(n-1).
func seedMany(t *testing.T, rdb redis.UniversalClient, function, stream string, n int, failed time.Time) {
	t.Helper()
	for i := range n {
		opstest.Seed(t, rdb, function, opstest.DeadLetter{
			Stream: stream, EntryID: fmt.Sprintf("1-%d", i), Type: "order.created", EventID: fmt.Sprintf("ev-%d", i),
			Data: fmt.Sprintf(`{"n":%d}`, i), Error: "downstream unavailable", Attempts: 2, Failed: failed,
		})
	}
}

// replayable runs a new function's consumer, fixed, on a new stream and
// seeds n of its dead letters (seedMany), failed an hour ago; it returns
// the plain client that did so, the function and its consumer's switch.
func replayable(t *testing.T, n int) (plain redis.UniversalClient, function string, sw *opstest.Switch) {
	t.Helper()
	plain = srv.Client(t)
	function, stream := opstest.Unique("billing"), opstest.Unique("events:order")
	sw = opstest.StartBroken(t, plain, function, stream)
	sw.Fix()
	seedMany(t, plain, function, stream, n, time.Now().Add(-time.Hour))
	return plain, function, sw
}

// serveThrough serves a dashboard with cfg whose Redis client goes
// through f, and whose checks (deadCount) read plain.
func serveThrough(t *testing.T, f *fault, plain redis.UniversalClient, cfg dashboard.Config) *site {
	t.Helper()
	s := serve(t, f.client(t), cfg)
	s.rdb = plain
	return s
}

// liveSite serves a dashboard with cfg (fresh tokens, short blocking
// reads unless cfg says otherwise) and returns its Handler too.
func liveSite(t *testing.T, rdb redis.UniversalClient, cfg dashboard.Config) (*site, *dashboard.Handler) {
	t.Helper()
	cfg.Token, cfg.ReadOnlyToken = opstest.Unique("admin-token"), opstest.Unique("read-token")
	if cfg.LiveBlock == 0 {
		cfg.LiveBlock = 200 * time.Millisecond
	}
	cfg.Ops = opstest.Ops(rdb)
	h, err := dashboard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	t.Cleanup(h.CloseLive)
	s := &site{t: t, url: ts.URL, admin: cfg.Token, readOnly: cfg.ReadOnlyToken, rdb: rdb, rec: &recorder{next: http.DefaultTransport}}
	t.Cleanup(func() { s.rec.mustNotContain(t, s.admin, s.readOnly) })
	return s, h
}

// sseEvent is one Server-Sent Event.
type sseEvent struct {
	Event, ID, Data string
}

// decodeData is ev's data, one line of JSON, as a T.
func decodeData[T any](t *testing.T, ev sseEvent) T {
	t.Helper()
	var d T
	if err := json.Unmarshal([]byte(ev.Data), &d); err != nil {
		t.Fatalf("live event %+v: %v", ev, err)
	}
	return d
}

// sseConn is an open live stream read by a plain HTTP client.
type sseConn struct {
	t      *testing.T
	res    *http.Response
	cancel context.CancelFunc
	events chan sseEvent
	// done is closed when the stream ended (EOF or error).
	done chan struct{}
}

// openLive GETs path with c's session (and lastEventID, if set) and
// returns the response; a 200 comes back as an open stream, anything
// else with its status only.
func (c *client) openLive(path, lastEventID string) (*sseConn, int) {
	c.s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.s.url+path, nil)
	if err != nil {
		c.s.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	hc := &http.Client{Jar: c.c.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		cancel()
		c.s.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		_ = res.Body.Close()
		cancel()
		return nil, res.StatusCode
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		c.s.t.Fatalf("live stream %s: Content-Type %q", path, ct)
	}
	conn := &sseConn{t: c.s.t, res: res, cancel: cancel, events: make(chan sseEvent, 100), done: make(chan struct{})}
	go conn.read()
	c.s.t.Cleanup(conn.close)
	return conn, res.StatusCode
}

// mustOpenLive is openLive that fails unless the stream opened, and
// waits for its "ready" event when it sends one.
func (c *client) mustOpenLive(path, lastEventID string) (*sseConn, sseEvent) {
	c.s.t.Helper()
	conn, status := c.openLive(path, lastEventID)
	if conn == nil {
		c.s.t.Fatalf("live stream %s: status %d, want 200", path, status)
	}
	return conn, conn.next("ready")
}

// read parses the stream into events until it ends.
func (s *sseConn) read() {
	defer close(s.done)
	defer close(s.events)
	sc := bufio.NewScanner(s.res.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev != (sseEvent{}) {
				s.events <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			ev.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			ev.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			ev.Data = strings.TrimPrefix(line, "data: ")
		}
	}
}

// next returns the next event, which must be named name ("" for a plain
// message), within 10 s.
func (s *sseConn) next(name string) sseEvent {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatalf("the live stream ended, want a %q event", name)
		}
		if ev.Event != name {
			s.t.Fatalf("live event %+v, want a %q event", ev, name)
		}
		return ev
	case <-time.After(10 * time.Second):
		s.t.Fatalf("no %q event within 10s", name)
	}
	return sseEvent{}
}

// nextOf skips events not named name and returns the first that is.
func (s *sseConn) nextOf(name string) sseEvent {
	s.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				s.t.Fatalf("the live stream ended, want a %q event", name)
			}
			if ev.Event == name {
				return ev
			}
		case <-deadline:
			s.t.Fatalf("no %q event within 15s", name)
		}
	}
}

// close disconnects the client.
func (s *sseConn) close() {
	s.cancel()
	_ = s.res.Body.Close()
}

// waitEnded fails unless the stream ends within 10 s.
func (s *sseConn) waitEnded() {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.t.Fatal("the live stream did not end within 10s")
	}
}

// waitLiveStreams waits until h has n live streams open.
func waitLiveStreams(t *testing.T, h *dashboard.Handler, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.LiveStreams() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d live streams open after 10s, want %d", h.LiveStreams(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
