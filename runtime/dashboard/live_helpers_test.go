package dashboard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

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
