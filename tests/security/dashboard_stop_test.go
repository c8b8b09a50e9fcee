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

// openLive opens the live stream at url with the session cookie, reads
// its first line, and returns a channel closed when the stream ends.
func openLive(t *testing.T, url string, session *http.Cookie) chan struct{} {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(session)
	req.Header.Set("Accept", "text/event-stream")
	live, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Body.Close() })
	if live.StatusCode != http.StatusOK || !strings.HasPrefix(live.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET %s = %d %s, want 200 and an event stream", url, live.StatusCode, live.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(live.Body)
	if !lines.Scan() {
		t.Fatalf("the live stream %s ended before its first line: %v", url, lines.Err())
	}
	ended := make(chan struct{})
	go func() {
		for lines.Scan() {
		}
		close(ended)
	}()
	return ended
}
