package dashboard_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// publishCaused appends an event caused by the event with id cause.
func publishCaused(t *testing.T, rdb redis.UniversalClient, stream, typ, eventID, entityID, cause string) {
	t.Helper()
	if err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: map[string]any{
		runtime.FieldType: typ, runtime.FieldEventID: eventID, opstest.EntityField: entityID,
		runtime.FieldData: "{}", opstest.CausationField: cause,
	}}).Err(); err != nil {
		t.Fatal(err)
	}
}

// causalChain publishes an order's two events and what they caused:
// ev-1 (order o1) causes ev-2 (payment p1) and ev-5 (stock s1); ev-2
// causes ev-3 (payment p1), which causes ev-4 (order o1).
func causalChain(t *testing.T, rdb redis.UniversalClient) (orderAgg, paymentAgg, ev string) {
	t.Helper()
	orders, payments := opstest.Unique("events:order"), opstest.Unique("events:payment")
	ev = opstest.Unique("ev")
	opstest.Publish(t, rdb, orders, "order.created", ev+"-1", "o1", map[string]int{"total": 3})
	publishCaused(t, rdb, payments, "payment.requested", ev+"-2", "p1", ev+"-1")
	publishCaused(t, rdb, payments, "payment.taken", ev+"-3", "p1", ev+"-2")
	publishCaused(t, rdb, orders, "order.paid", ev+"-4", "o1", ev+"-3")
	publishCaused(t, rdb, orders, "stock.reserved", ev+"-5", "s1", ev+"-1")
	return strings.TrimPrefix(orders, "events:"), strings.TrimPrefix(payments, "events:"), ev
}

// between is the part of body from the first from on, up to the next to.
func between(body, from, to string) string {
	i := strings.Index(body, from)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest[len(from):], to); j >= 0 {
		return rest[:len(from)+j]
	}
	return rest
}

func TestEntityPageShowsTheEventsInOrderWithTheirReactions(t *testing.T) {
	s := newSite(t, srv.Client(t))
	orderAgg, paymentAgg, ev := causalChain(t, s.rdb)
	c := s.loggedIn(s.readOnly)
	res, body := c.get("/entities/" + orderAgg + "/o1")
	wantStatus(t, "the entity page", res, body, http.StatusOK)

	first, second := strings.Index(body, `<li class="event" data-event-id="`+ev+`-1"`), strings.Index(body, `<li class="event" data-event-id="`+ev+`-4"`)
	if first < 0 || second < 0 || second < first {
		t.Fatalf("the entity's events %s-1 and %s-4 are not listed in order:\n%s", ev, ev, body)
	}
	firstEvent := body[first:second]
	reactions := []string{
		`<li class="reaction" data-event-id="` + ev + `-2"`, `<li class="reaction" data-event-id="` + ev + `-3"`,
		`<li class="reaction" data-event-id="` + ev + `-4"`, `<li class="reaction" data-event-id="` + ev + `-5"`,
	}
	last := -1
	for _, r := range reactions {
		at := strings.Index(firstEvent, r)
		if at < 0 || at < last {
			t.Fatalf("the first event's reactions do not show %s after the ones before:\n%s", r, firstEvent)
		}
		last = at
	}
	if nested := between(firstEvent, reactions[0], reactions[3]); strings.Count(nested, `<ul class="reactions">`) != 2 {
		t.Errorf("%s-3 and %s-4 are not nested under %s-2:\n%s", ev, ev, ev, nested)
	}
	for _, link := range []string{`href="/entities/` + paymentAgg + `/p1"`, `href="/entities/` + orderAgg + `/s1"`, `href="/entities/` + orderAgg + `/o1"`} {
		if !strings.Contains(firstEvent, link) {
			t.Errorf("the reactions have no link %s", link)
		}
	}
	if !strings.Contains(body, `id="reaction-scan"`) || strings.Contains(body, `id="reaction-cut"`) {
		t.Errorf("the page does not say how reactions were looked for, or says the cap cut it:\n%s", body)
	}
	if !strings.Contains(firstEvent, `&#34;total&#34;: 3`) {
		t.Errorf("the entity's event does not show its data:\n%s", firstEvent)
	}
}

func TestEntityPageSaysWhenTheCapCutTheScan(t *testing.T) {
	s, _ := liveSite(t, srv.Client(t), dashboard.Config{ReactionScan: 1})
	orderAgg, _, ev := causalChain(t, s.rdb)
	_, body := s.loggedIn(s.admin).get("/entities/" + orderAgg + "/o1")
	if !strings.Contains(body, `id="reaction-cut"`) || !strings.Contains(body, "at most 1 entries of each") {
		t.Errorf("the page does not say the cap of 1 cut the scan:\n%s", body)
	}
	if !strings.Contains(body, `data-event-id="`+ev+`-1"`) {
		t.Errorf("the capped page does not list the entity's events:\n%s", body)
	}
}

func TestEntityLookupAndLinks(t *testing.T) {
	s := newSite(t, srv.Client(t))
	orderAgg, _, _ := causalChain(t, s.rdb)
	c := s.loggedIn(s.admin)
	res, body := c.get("/entities")
	wantStatus(t, "the lookup form", res, body, http.StatusOK)
	if !strings.Contains(body, `<form method="get" action="/entities"`) || !strings.Contains(body, `<option value="`+orderAgg+`">`) {
		t.Errorf("the lookup form does not offer %s:\n%s", orderAgg, body)
	}
	res, _ = c.get("/entities?aggregate=" + orderAgg + "&id=o1")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/entities/"+orderAgg+"/o1" {
		t.Errorf("lookup: %s to %q, want 303 to the entity's page", res.Status, res.Header.Get("Location"))
	}
	res, body = c.get("/entities/" + orderAgg + "/nobody")
	wantStatus(t, "an entity without events", res, body, http.StatusNotFound)
}
