package security

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TestAdminAuth: through the real gateway, /admin answers 404 without
// ADMIN_TOKEN, and with it 401 without a token, 403 with another token and
// 200 with the right one; the token is in no log line.
func TestAdminAuth(t *testing.T) {
	r := redistest.New(t, redistest.Options{})
	off, _ := startShop(t, r.URL())
	if code, body := get(t, off.URL()+"/admin/functions", "Authorization", "Bearer "+adminToken); code != http.StatusNotFound {
		t.Errorf("without ADMIN_TOKEN: GET /admin/functions = %d %s, want 404", code, body)
	}
	gw, pj := startShop(t, r.URL(), "ADMIN_TOKEN="+adminToken)
	for _, tc := range []struct {
		name, method, path string
		header             []string
		want               int
	}{
		{"no token", "GET", "/admin/functions", nil, http.StatusUnauthorized},
		{"not bearer", "GET", "/admin/functions", []string{"Authorization", "Basic " + adminToken}, http.StatusUnauthorized},
		{"wrong token", "GET", "/admin/functions", []string{"Authorization", "Bearer x" + adminToken}, http.StatusForbidden},
		{"purge without token", "POST", "/admin/dlq/projector/purge", nil, http.StatusUnauthorized},
		{"replay wrong token", "POST", "/admin/dlq/projector/replay", []string{"Authorization", "Bearer nope"}, http.StatusForbidden},
		{"right token", "GET", "/admin/functions", []string{"Authorization", "Bearer " + adminToken}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, tc.method, gw.URL()+tc.path, `{"all":true}`, tc.header...)
			if code != tc.want || !strings.HasPrefix(strings.TrimSpace(body), "{") && !strings.HasPrefix(strings.TrimSpace(body), "[") {
				t.Errorf("%s %s = %d %s, want %d with a JSON body", tc.method, tc.path, code, body, tc.want)
			}
			if strings.Contains(body, adminToken) {
				t.Errorf("answer shows the token: %s", body)
			}
		})
	}
	noSecrets(t, []*proc{off, gw, pj}, adminToken)
}

// TestHTTPLimits: the gateway's server (runtime/internal/httpserver) refuses
// bodies over 1 MiB with 413, declared or chunked, and closes a
// connection whose request header does not arrive within the
// read-header timeout (5 s).
func TestHTTPLimits(t *testing.T) {
	r := redistest.New(t, redistest.Options{})
	gw, _ := startShop(t, r.URL())
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `","email":"a@b"}`
	if code, body := do(t, http.MethodPost, gw.URL()+"/v1/customers", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("POST 2 MiB = %d %.200s, want 413", code, body)
	}
	req, err := http.NewRequest(http.MethodPost, gw.URL()+"/v1/customers", io.MultiReader(strings.NewReader(big)))
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // chunked: the limit must hold without a Content-Length
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("POST 2 MiB chunked = %d, want 413", resp.StatusCode)
	}

	conn, err := net.Dial("tcp", strings.TrimPrefix(gw.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	if _, err := fmt.Fprint(conn, "GET /customers HTTP/1.1\r\nHost: x\r\n"); err != nil { // and never the blank line
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err = bufio.NewReader(conn).ReadString('\n')
	took := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || took > 8*time.Second {
		t.Errorf("a slow request header was still open after %s: want it closed by the 5 s read-header timeout", took)
	}
	t.Logf("slow header: connection closed after %s (%v)", took.Round(10*time.Millisecond), err)
}

// TestRedisDownAnswersGeneric: with Redis gone, queries and commands
// answer 503 with a generic JSON error that shows nothing of Redis.
func TestRedisDownAnswersGeneric(t *testing.T) {
	r := redistest.New(t, redistest.Options{Args: []string{"--requirepass", password}})
	gw, pj := startShop(t, redisURL("", password, r.Addr()))
	if err := r.Kill(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/customers", ""}, {"GET", "/v1/report", ""}, {"GET", "/customers", ""},
		{"POST", "/v1/customers", `{"name":"Ann","email":"ann@example.com"}`},
		{"POST", "/v1/orders", `{"customer_id":"c","product_ids":["p"]}`},
		{"POST", "/orders", `{"customer_id":"c","product_ids":["p"]}`},
	} {
		start := time.Now()
		code, body := do(t, c.method, gw.URL()+c.path, c.body)
		took := time.Since(start)
		t.Logf("%s %s with Redis down: %d %s in %s", c.method, c.path, code, strings.TrimSpace(body), took.Round(time.Millisecond))
		low := strings.ToLower(body)
		if code != http.StatusServiceUnavailable || took > 5*time.Second ||
			strings.Contains(low, "redis") || strings.Contains(low, "dial") || strings.Contains(body, r.Addr()) {
			t.Errorf("%s %s with Redis down = %d %s after %s, want a generic 503 within 5 s", c.method, c.path, code, body, took)
		}
	}
	noSecrets(t, []*proc{gw, pj}, password)
}

// TestDashboardInTheGateway: the gateway serves the dashboard under
// /admin/ui only when ADMIN_TOKEN is set; a page without a session
// redirects to the login form, a wrong token is refused, the right one
// gives a session cookie scoped to /admin/ui (HttpOnly, SameSite=Strict)
// that opens the overview with the shop's functions; /admin stays the
// JSON API beside it, and the token is in no answer and no log line.
func TestDashboardInTheGateway(t *testing.T) {
	r := redistest.New(t, redistest.Options{})
	off, _ := startShop(t, r.URL())
	if code, _ := get(t, off.URL()+"/admin/ui/login"); code != http.StatusNotFound {
		t.Errorf("without ADMIN_TOKEN: GET /admin/ui/login = %d, want 404", code)
	}
	gw, pj := startShop(t, r.URL(), "ADMIN_TOKEN="+adminToken)
	noRedirect := &http.Client{Timeout: 15 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(gw.URL() + "/admin/ui/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 3 || !strings.HasSuffix(resp.Header.Get("Location"), "/admin/ui/login") {
		t.Fatalf("GET /admin/ui/ without a session = %d Location %q, want a redirect to /admin/ui/login", resp.StatusCode, resp.Header.Get("Location"))
	}
	login := func(token string) *http.Response { return dashboardLogin(t, gw.URL()+"/admin/ui", token) }
	if resp := login("x" + adminToken); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("login with a wrong token = %d with %d cookies, want 401 and none", resp.StatusCode, len(resp.Cookies()))
	}
	resp = login(adminToken)
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		session = c
	}
	if resp.StatusCode/100 != 3 || session == nil || session.Path != "/admin/ui" || !session.HttpOnly ||
		session.SameSite != http.SameSiteStrictMode || strings.Contains(session.Value, adminToken) {
		t.Fatalf("login = %d, cookie %+v; want a redirect and an HttpOnly, SameSite=Strict cookie on /admin/ui without the token", resp.StatusCode, session)
	}
	redistest.Eventually(t, 15*time.Second, func() bool {
		req, _ := http.NewRequest(http.MethodGet, gw.URL()+"/admin/ui/", nil)
		req.AddCookie(session)
		resp, err := noRedirect.Do(req)
		if err != nil {
			return false
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK && strings.Contains(string(body), "projector") && strings.Contains(string(body), "inventory")
	}, "the overview lists the shop's functions")
	history := model.DashboardKeyPrefix + ":history:" + model.FunctionProjector
	redistest.Eventually(t, 30*time.Second, func() bool {
		n, err := r.Client(t).XLen(t.Context(), history).Result()
		return err == nil && n > 0
	}, "the gateway's dashboard samples the functions into "+history)
	if code, body := get(t, gw.URL()+"/admin/functions", "Authorization", "Bearer "+adminToken); code != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(body), "[") {
		t.Errorf("GET /admin/functions beside the dashboard = %d %.200s, want 200 with JSON", code, body)
	}
	noSecrets(t, []*proc{off, gw, pj}, adminToken)
}

// TestGatewayStopsPromptlyWithALiveStream: a browser tab with the
// dashboard open holds a live stream (Server-Sent Events) on the gateway.
// On SIGTERM the gateway ends that stream when shutdown begins
// (runtime.Setup.Stopping), instead of waiting out its 10 s
// SHUTDOWN_TIMEOUT for it, and exits 0: also a stream blocked on Redis
// (the events page's), which ends within one live block (1 s).
func TestGatewayStopsPromptlyWithALiveStream(t *testing.T) {
	r := redistest.New(t, redistest.Options{})
	gw, _ := startShop(t, r.URL(), "ADMIN_TOKEN="+adminToken, "SHUTDOWN_TIMEOUT=10s")
	resp := dashboardLogin(t, gw.URL()+"/admin/ui", adminToken)
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("login = %d with %d cookies, want 303 and a session", resp.StatusCode, len(cookies))
	}

	// The counts stream (a timer) and the events stream (a blocking
	// XREAD on Redis), as an open overview and events page hold them.
	var ended []chan struct{}
	for _, path := range []string{"/admin/ui/status/live", "/admin/ui/events/live"} {
		ended = append(ended, openLive(t, gw.URL()+path, cookies[0]))
	}

	start := time.Now()
	code, err := gw.Stop(15 * time.Second)
	took := time.Since(start)
	if err != nil || code != 0 {
		t.Fatalf("gateway after SIGTERM: exit %d (%v), want 0", code, err)
	}
	if took > 3*time.Second {
		t.Errorf("the gateway took %s to stop with live streams open, want well under its 10 s SHUTDOWN_TIMEOUT", took.Round(time.Millisecond))
	}
	for i, e := range ended {
		select {
		case <-e:
		case <-time.After(5 * time.Second):
			t.Errorf("live stream %d did not end with the gateway", i)
		}
	}
	t.Logf("gateway stopped in %s with two live streams open", took.Round(time.Millisecond))
}
