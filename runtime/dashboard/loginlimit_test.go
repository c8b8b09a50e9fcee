package dashboard_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// from returns a client without a session whose connections come from
// local, another loopback address: another client to the dashboard.
func (s *site) from(local string) *client {
	c := s.anonymous()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}
	rec := &recorder{next: tr}
	s.t.Cleanup(func() { rec.mustNotContain(s.t, s.admin, s.readOnly); tr.CloseIdleConnections() })
	c.c.Transport = rec
	return c
}

func TestLoginFailuresAreLimitedPerClient(t *testing.T) {
	clk := &clock{now: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	s := serve(t, srv.Client(t), dashboard.Config{Token: opstest.Unique("admin"), Now: clk.Now})
	x, y := s.anonymous(), s.from("127.0.0.2")
	for i := range dashboard.LoginFailures {
		res, body := x.post("/login", url.Values{"token": {"wrong"}})
		wantStatus(t, "wrong token "+string(rune('1'+i)), res, body, http.StatusUnauthorized)
		clk.Add(time.Second)
	}
	res, body := x.post("/login", url.Values{"token": {"wrong"}})
	wantStatus(t, "a wrong token past the limit", res, body, http.StatusTooManyRequests)
	if ra := res.Header.Get("Retry-After"); ra != "55" {
		t.Errorf("Retry-After %q, want 55 (the first failure was 5 s ago)", ra)
	}
	if !strings.Contains(body, "Too many wrong tokens") || !strings.Contains(body, "try again in 55 s") {
		t.Errorf("the 429 page does not say why and how long:\n%s", body)
	}
	res, body = x.post("/login", url.Values{"token": {s.admin}})
	wantStatus(t, "the right token from the limited client", res, body, http.StatusTooManyRequests)

	res, body = y.post("/login", url.Values{"token": {s.admin}})
	wantStatus(t, "the right token from another client", res, body, http.StatusSeeOther)
	res, body = y.post("/login", url.Values{"token": {"wrong"}})
	wantStatus(t, "a wrong token from another client", res, body, http.StatusUnauthorized)

	clk.Add(55 * time.Second) // the first failure leaves the window
	res, body = x.post("/login", url.Values{"token": {s.admin}})
	wantStatus(t, "the right token once the window moved on", res, body, http.StatusSeeOther)
}

func TestSuccessfulLoginsAreNotLimited(t *testing.T) {
	s := newSite(t, srv.Client(t))
	for range 3 * dashboard.LoginFailures {
		s.loggedIn(s.admin)
	}
	res, body := s.anonymous().post("/login", url.Values{"token": {"wrong"}})
	wantStatus(t, "a wrong token after many logins", res, body, http.StatusUnauthorized)
}
