package dashboard_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// A server's ReadTimeout and WriteTimeout (the gateway sets both) do not
// end a live stream: it sets its own write deadline per write (net/http
// clears the read deadline itself once the request is read).
func TestLiveStreamOutlivesTheServersTimeouts(t *testing.T) {
	rdb := srv.Client(t)
	cfg := dashboard.Config{Token: opstest.Unique("admin-token"), Ops: opstest.Ops(rdb), LiveBlock: 100 * time.Millisecond}
	h, err := dashboard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 300 * time.Millisecond
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = timeout, timeout
	ts.Start()
	t.Cleanup(ts.Close)
	t.Cleanup(h.CloseLive)
	s := &site{t: t, url: ts.URL, admin: cfg.Token, rdb: rdb, rec: &recorder{next: http.DefaultTransport}}
	stream := opstest.Unique("events:order")
	live, _ := s.loggedIn(s.admin).mustOpenLive("/events/live?stream="+stream, "")
	time.Sleep(3 * timeout) // not a synchronisation: the server's deadlines must pass
	opstest.Publish(t, rdb, stream, "order.created", "e1", "o1", map[string]int{})
	if d := decodeEvent(t, live.next("")); d.EventID != "e1" {
		t.Errorf("after the server's timeouts: %+v, want e1", d)
	}
}
