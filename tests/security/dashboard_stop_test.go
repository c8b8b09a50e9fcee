package security

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TestGatewayStopsPromptlyWithALiveStream: a browser tab with the
// dashboard open holds a live stream (Server-Sent Events) on the gateway.
// On SIGTERM the gateway ends that stream when shutdown begins
// (runtime.Setup.Stopping), instead of waiting out its 10 s
// SHUTDOWN_TIMEOUT for it, and exits 0.
func TestGatewayStopsPromptlyWithALiveStream(t *testing.T) {
	r := redistest.New(t, redistest.Options{})
	gw, _ := startShop(t, r.URL(), "ADMIN_TOKEN="+adminToken, "SHUTDOWN_TIMEOUT=10s")
	resp := dashboardLogin(t, gw.URL()+"/admin/ui", adminToken)
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
		t.Fatalf("login = %d with %d cookies, want 303 and a session", resp.StatusCode, len(cookies))
	}

	req, err := http.NewRequest(http.MethodGet, gw.URL()+"/admin/ui/status/live", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(cookies[0])
	req.Header.Set("Accept", "text/event-stream")
	live, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Body.Close()
	if live.StatusCode != http.StatusOK || !strings.HasPrefix(live.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET /admin/ui/status/live = %d %s, want 200 and an event stream", live.StatusCode, live.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(live.Body)
	if !lines.Scan() {
		t.Fatalf("the live stream ended before its first line: %v", lines.Err())
	}
	ended := make(chan struct{})
	go func() {
		for lines.Scan() {
		}
		close(ended)
	}()

	start := time.Now()
	code, err := gw.Stop(15 * time.Second)
	took := time.Since(start)
	if err != nil || code != 0 {
		t.Fatalf("gateway after SIGTERM: exit %d (%v), want 0", code, err)
	}
	if took > 5*time.Second {
		t.Errorf("the gateway took %s to stop with a live stream open, want well under its 10 s SHUTDOWN_TIMEOUT", took.Round(time.Millisecond))
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Error("the live stream did not end with the gateway")
	}
	t.Logf("gateway stopped in %s with a live stream open", took.Round(time.Millisecond))
}
