package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

func TestDashboardRefusesToStartWithoutAToken(t *testing.T) {
	code, out, errOut := cli(t, nil, "dashboard", "--addr", "127.0.0.1:0")
	if code != exitUsage || !strings.Contains(errOut, "the dashboard needs an admin token: set ADMIN_TOKEN") {
		t.Fatalf("exit %d, stderr %q; want %d and a message naming ADMIN_TOKEN\nstdout: %s", code, errOut, exitUsage, out)
	}
	if strings.Contains(errOut, "redis:") {
		t.Errorf("a dashboard without a token reached for Redis first: %s", errOut)
	}
}

func TestDashboardAddrDefaultsToLoopback(t *testing.T) {
	for port, want := range map[string]string{"": "127.0.0.1:8090", "9123": "127.0.0.1:9123"} {
		if got := dashboardAddr(port); got != want {
			t.Errorf("dashboardAddr(%q) = %q, want %q", port, got, want)
		}
	}
}

// listening finds the dashboard's URL on stderr.
var listening = regexp.MustCompile(`dashboard: (http://127\.0\.0\.1:\d+/)`)

func TestDashboardServesTheLoginAndStopsOnCancel(t *testing.T) {
	const token = "cli-test-admin-token"
	d := startDashboard(t, map[string]string{envAdminToken: token})
	base := d.base

	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("GET / without a session: %s to %q, want 303 to /login", res.Status, res.Header.Get("Location"))
	}
	res, err = c.PostForm(base+"login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 {
		t.Errorf("login with ADMIN_TOKEN: %s with %d cookies, want 303 and a session", res.Status, len(res.Cookies()))
	}

	d.stop(t)
	if strings.Contains(d.errOut.String(), token) {
		t.Errorf("the dashboard logged its token:\n%s", d.errOut.String())
	}
}

// TestDashboardOffWithoutTokenStaysUp: the Procfile's dashboard line
// (--off-without-token) without ADMIN_TOKEN keeps running, so that foreman
// keeps the shop up, and every path answers 503 with how to turn it on,
// showing no data; it still stops on cancel.
func TestDashboardOffWithoutTokenStaysUp(t *testing.T) {
	d := startDashboard(t, nil, "--off-without-token")
	base := d.base
	for _, path := range []string{"", "login", "functions/crm/dead-letters"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "set ADMIN_TOKEN") {
			t.Errorf("GET /%s without a token: %s %q, want 503 saying to set ADMIN_TOKEN", path, res.Status, body)
		}
	}
	d.stop(t)
}

// dashboardRun is `ordershop dashboard` running in the test.
type dashboardRun struct {
	base   string // its URL, with a trailing slash
	errOut *proctest.Buffer
	cancel context.CancelFunc
	done   chan int
}

// startDashboard runs `ordershop dashboard --addr 127.0.0.1:0` with args
// and env, and waits until it says where it listens.
func startDashboard(t *testing.T, env map[string]string, args ...string) *dashboardRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := &dashboardRun{errOut: &proctest.Buffer{}, cancel: cancel, done: make(chan int, 1)}
	var out proctest.Buffer
	go func() {
		d.done <- run(ctx, append([]string{"dashboard", "--addr", "127.0.0.1:0"}, args...), streams{stdout: &out, stderr: d.errOut, getenv: getenv(env)})
	}()
	redistest.Eventually(t, 10*time.Second, func() bool {
		m := listening.FindStringSubmatch(d.errOut.String())
		if m != nil {
			d.base = m[1]
		}
		return m != nil
	}, "the dashboard says where it listens")
	return d
}

// stop cancels the dashboard's context and fails the test unless it
// exits 0 within 10 s.
func (d *dashboardRun) stop(t *testing.T) {
	t.Helper()
	d.cancel()
	select {
	case code := <-d.done:
		if code != exitOK {
			t.Errorf("dashboard exit %d after cancel, want 0\nstderr: %s", code, d.errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the dashboard did not stop within 10s of its context ending")
	}
}
