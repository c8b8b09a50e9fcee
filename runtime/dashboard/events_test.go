package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// liveEventData is the data of a live event.
type liveEventData struct {
	Stream   string `json:"stream"`
	EntryID  string `json:"entry_id"`
	Type     string `json:"type"`
	EventID  string `json:"event_id"`
	EntityID string `json:"entity_id"`
	HTML     string `json:"html"`
}

// decodeEvent is the data of a live event of the events stream.
func decodeEvent(t *testing.T, ev sseEvent) liveEventData {
	t.Helper()
	return decodeData[liveEventData](t, ev)
}

func TestEventsPageListsAndFiltersTheEvents(t *testing.T) {
	s := newSite(t, srv.Client(t))
	orders, payments := opstest.Unique("events:order"), opstest.Unique("events:payment")
	orderAgg := strings.TrimPrefix(orders, "events:")
	typ := opstest.Unique("payment.taken")
	ev := opstest.Unique("ev")
	opstest.Publish(t, s.rdb, orders, "order.created", ev+"-1", "o1", map[string]int{})
	opstest.Publish(t, s.rdb, payments, typ, ev+"-2", "p1", map[string]int{})
	opstest.Publish(t, s.rdb, orders, "order.created", ev+"-3", "o2", map[string]int{})
	opstest.Publish(t, s.rdb, orders, "order.cancelled", ev+"-4", "o1", map[string]int{})
	c := s.loggedIn(s.readOnly)
	for name, tc := range map[string]struct {
		query      url.Values
		want, lost []string
	}{
		"stream":               {url.Values{"stream": {orderAgg}}, []string{"-4", "-3", "-1"}, []string{"-2"}},
		"stream by its key":    {url.Values{"stream": {orders}}, []string{"-4", "-3", "-1"}, []string{"-2"}},
		"type":                 {url.Values{"stream": {orderAgg}, "type": {"order.created"}}, []string{"-3", "-1"}, []string{"-2", "-4"}},
		"entity":               {url.Values{"stream": {orderAgg}, "entity": {"o1"}}, []string{"-4", "-1"}, []string{"-2", "-3"}},
		"every stream by type": {url.Values{"type": {typ}}, []string{"-2"}, []string{"-1", "-3", "-4"}},
	} {
		t.Run(name, func(t *testing.T) {
			res, body := c.get("/events?" + tc.query.Encode())
			wantStatus(t, "events", res, body, http.StatusOK)
			last := -1
			for _, id := range tc.want {
				at := strings.Index(body, "<code>"+ev+id+"</code>")
				if at < 0 {
					t.Fatalf("the events page does not list %s%s:\n%s", ev, id, body)
				}
				if at < last {
					t.Errorf("%s%s is not listed after the newer events", ev, id)
				}
				last = at
			}
			for _, id := range tc.lost {
				if strings.Contains(body, ev+id) {
					t.Errorf("the events page lists %s%s, which does not match", ev, id)
				}
			}
			if !strings.Contains(body, `<table class="events" data-live="/events/live?`) || !strings.Contains(body, `/static/live.js`) {
				t.Errorf("the events page has no live table or script:\n%s", body)
			}
		})
	}
	_, body := c.get("/events?stream=" + orderAgg)
	for _, link := range []string{`href="/entities/` + orderAgg + `/o1"`, `href="/entities/` + orderAgg + `/o2"`} {
		if !strings.Contains(body, link) {
			t.Errorf("the events page has no link %s:\n%s", link, body)
		}
	}
	res, body := c.get("/events?stream=" + url.QueryEscape("bad stream"))
	wantStatus(t, "a stream that cannot be", res, body, http.StatusBadRequest)
}

func TestLiveEventsDeliverWhatMatchesFromNowOn(t *testing.T) {
	s, _ := liveSite(t, srv.Client(t), dashboard.Config{})
	orders := opstest.Unique("events:order")
	ev := opstest.Unique("ev")
	opstest.Publish(t, s.rdb, orders, "order.created", ev+"-before", "o1", map[string]int{})
	c := s.loggedIn(s.readOnly)
	live, _ := c.mustOpenLive("/events/live?"+url.Values{"stream": {orders}, "type": {"order.created"}, "entity": {"o1"}}.Encode(), "")
	opstest.Publish(t, s.rdb, orders, "order.cancelled", ev+"-other-type", "o1", map[string]int{})
	opstest.Publish(t, s.rdb, orders, "order.created", ev+"-other-entity", "o2", map[string]int{})
	id := opstest.Publish(t, s.rdb, orders, "order.created", ev+"-match", "o1", map[string]int{})
	got := live.next("")
	d := decodeEvent(t, got)
	if d.EventID != ev+"-match" || d.EntryID != id || d.Stream != orders || d.EntityID != "o1" {
		t.Fatalf("first live event %+v, want %s-match (entry %s): the others do not match or came before", d, ev, id)
	}
	if !strings.HasPrefix(got.ID, url.QueryEscape(orders)+"="+id) {
		t.Errorf("live event id %q, want it to start with the stream and entry id", got.ID)
	}
	if !strings.Contains(d.HTML, `<tr data-id="`+orders+"/"+id+`">`) || !strings.Contains(d.HTML, `href="/entities/`+strings.TrimPrefix(orders, "events:")+`/o1"`) {
		t.Errorf("live event's row %s: want the events page's row with its entity link", d.HTML)
	}
}

func TestLiveEventsResumeFromLastEventIDAcrossStreams(t *testing.T) {
	s, _ := liveSite(t, srv.Client(t), dashboard.Config{})
	orders, payments := opstest.Unique("events:order"), opstest.Unique("events:payment")
	typ, ev := opstest.Unique("resumed"), opstest.Unique("ev")
	opstest.Publish(t, s.rdb, orders, "order.created", ev+"-0", "o1", map[string]int{}) // orders exists when the stream starts
	c := s.loggedIn(s.admin)
	path := "/events/live?" + url.Values{"type": {typ}}.Encode()
	live, _ := c.mustOpenLive(path, "")
	opstest.Publish(t, s.rdb, orders, typ, ev+"-1", "o1", map[string]int{})
	first := live.next("")
	if d := decodeEvent(t, first); d.EventID != ev+"-1" {
		t.Fatalf("first live event %+v, want %s-1", d, ev)
	}
	live.close()

	opstest.Publish(t, s.rdb, payments, typ, ev+"-2", "p1", map[string]int{}) // a stream that appeared meanwhile
	opstest.Publish(t, s.rdb, orders, typ, ev+"-3", "o1", map[string]int{})
	opstest.Publish(t, s.rdb, orders, "order.created", ev+"-4", "o1", map[string]int{})
	again, _ := c.mustOpenLive(path, first.ID)
	// Across streams, events of the same millisecond may come in either
	// order; none may be lost, none of before the cursor come again.
	got := map[string]bool{}
	for range 2 {
		got[decodeEvent(t, again.next("")).EventID] = true
	}
	if !got[ev+"-2"] || !got[ev+"-3"] {
		t.Errorf("resumed live events %v, want %s-2 and %s-3", got, ev, ev)
	}
}

func TestLiveStreamsNeedASession(t *testing.T) {
	s, h := liveSite(t, srv.Client(t), dashboard.Config{})
	fn := opstest.Unique("billing")
	seedTwo(t, s, fn)
	anon := s.anonymous()
	for _, path := range []string{"/events/live", deadLettersPath(fn) + "/live", "/status/live"} {
		if conn, status := anon.openLive(path, ""); conn != nil || status != http.StatusUnauthorized {
			t.Errorf("%s without a session: status %d, want 401 and no stream", path, status)
		}
	}
	if n := h.LiveStreams(); n != 0 {
		t.Errorf("%d live streams open after refused requests", n)
	}
}

func TestLiveStreamsAreBoundedAndEndWithTheirClient(t *testing.T) {
	s, h := liveSite(t, srv.Client(t), dashboard.Config{MaxLiveStreams: 2})
	c := s.loggedIn(s.admin)
	a, _ := c.mustOpenLive("/events/live", "")
	b, _ := c.mustOpenLive("/events/live", "")
	if conn, status := c.openLive("/events/live", ""); conn != nil || status != http.StatusServiceUnavailable {
		t.Fatalf("a third live stream over the limit of 2: status %d, want 503", status)
	}
	waitLiveStreams(t, h, 2)
	a.close()
	b.close()
	waitLiveStreams(t, h, 0)
	d, _ := c.mustOpenLive("/events/live", "")
	waitLiveStreams(t, h, 1)

	h.CloseLive()
	d.waitEnded()
	waitLiveStreams(t, h, 0)
	if conn, status := c.openLive("/events/live", ""); conn != nil || status != http.StatusServiceUnavailable {
		t.Errorf("a live stream after CloseLive: status %d, want 503", status)
	}
	res, body := c.get("/events")
	wantStatus(t, "the events page after CloseLive", res, body, http.StatusOK)
}
