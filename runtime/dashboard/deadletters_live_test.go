package dashboard_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// liveAttr finds a live table's stream URL.
var liveAttr = regexp.MustCompile(`<table class="[a-z]+" data-live="([^"]+)"`)

// liveURL returns the stream URL of the page's live table.
func liveURL(t *testing.T, body string) string {
	t.Helper()
	m := liveAttr.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the page has no live table:\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// liveDeadLetterData is the data of a live dead letter or total.
type liveDeadLetterData struct {
	ID    string   `json:"id"`
	HTML  string   `json:"html"`
	Total int64    `json:"total"`
	Gone  []string `json:"gone"`
}

// decodeDeadLetter is the data of a live event of the dead-letter
// stream.
func decodeDeadLetter(t *testing.T, ev sseEvent) liveDeadLetterData {
	t.Helper()
	return decodeData[liveDeadLetterData](t, ev)
}

func TestDeadLetterOfAMalformedEventAppearsLive(t *testing.T) {
	s, _ := liveSite(t, srv.Client(t), dashboard.Config{})
	fn, stream := opstest.Unique("billing"), opstest.Unique("events:order")
	opstest.StartBroken(t, s.rdb, fn, stream)
	c := s.loggedIn(s.admin)
	res, body := c.get(deadLettersPath(fn))
	wantStatus(t, "the empty dead-letter list", res, body, http.StatusOK)
	for _, want := range []string{`<span id="dead-total">0</span>`, `<table class="deadletters" data-live=`, `<p class="empty">`, `/static/live.js`} {
		if !strings.Contains(body, want) {
			t.Fatalf("the empty dead-letter list has no %s:\n%s", want, body)
		}
	}
	live, ready := c.mustOpenLive(liveURL(t, body), "")
	if d := decodeDeadLetter(t, ready); d.Total != 0 {
		t.Errorf("ready: total %d, want 0", d.Total)
	}

	if err := s.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: stream, Values: map[string]any{
		runtime.FieldType: "order.created", runtime.FieldEventID: opstest.Unique("ev"), opstest.EntityField: "o1", runtime.FieldData: "{not json",
	}}).Err(); err != nil {
		t.Fatal(err)
	}
	got := live.next("")
	d := decodeDeadLetter(t, got)
	if d.ID == "" || got.ID != d.ID || d.Total != 1 {
		t.Fatalf("live dead letter %+v (id %q): want its id as the event id and total 1", d, got.ID)
	}
	if !strings.HasPrefix(d.HTML, `<tr data-id="`+d.ID+`">`) || !strings.Contains(d.HTML, `href="`+deadLettersPath(fn)+"/"+d.ID+`"`) {
		t.Errorf("live row %s: want data-id and a link to the detail page", d.HTML)
	}
	_, body = c.get(deadLettersPath(fn))
	if !strings.Contains(body, d.HTML) {
		t.Errorf("the live row is not the page's row:\nlive: %s\npage:\n%s", d.HTML, body)
	}
	if !strings.Contains(body, `<span id="dead-total">1</span>`) {
		t.Errorf("the page does not count 1:\n%s", body)
	}

	t.Run("the entity links of the row and the detail page open the entity", func(t *testing.T) {
		link := regexp.MustCompile(`href="(/entities/[^"]+)"`)
		m := link.FindStringSubmatch(d.HTML)
		if m == nil {
			t.Fatalf("the row has no entity link: %s", d.HTML)
		}
		_, detail := c.get(deadLettersPath(fn) + "/" + d.ID)
		if dm := link.FindStringSubmatch(detail); dm == nil || dm[1] != m[1] {
			t.Errorf("the detail page does not link to the entity %s:\n%s", m[1], detail)
		}
		res, page := c.get(html.UnescapeString(m[1]))
		wantStatus(t, "the dead letter's entity", res, page, http.StatusOK)
		if !strings.Contains(page, "order.created") {
			t.Errorf("the entity page does not show the event:\n%s", page)
		}
	})

	t.Run("a purged one is reported gone", func(t *testing.T) {
		if _, err := opstest.Ops(s.rdb).Purge(context.Background(), fn, inspect.Selection{IDs: []string{d.ID}}); err != nil {
			t.Fatal(err)
		}
		total := decodeDeadLetter(t, live.nextOf("total"))
		if total.Total != 0 || !slices.Equal(total.Gone, []string{d.ID}) {
			t.Errorf("after the purge: %+v, want total 0 and %s gone", total, d.ID)
		}
	})
}

func TestLiveDeadLettersFollowTheSearchAndResume(t *testing.T) {
	s, _ := liveSite(t, srv.Client(t), dashboard.Config{})
	fn, payment, _ := func() (string, string, string) {
		fn := opstest.Unique("billing")
		p, st := seedTwo(t, s, fn)
		return fn, p, st
	}()
	c := s.loggedIn(s.readOnly)
	_, body := c.get(deadLettersPath(fn) + "?type=order.created")
	if !strings.Contains(body, `<tr data-id="`+payment+`">`) {
		t.Fatalf("the filtered list does not show %s:\n%s", payment, body)
	}
	path := liveURL(t, body)
	live, _ := c.mustOpenLive(path, "")
	t0 := time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
	opstest.Seed(t, s.rdb, fn, opstest.DeadLetter{Stream: "events:order", EntryID: "3-1", Type: "order.cancelled", EventID: "ev-other", Data: `{}`, Error: "boom", Attempts: 1, Failed: t0})
	match := opstest.Seed(t, s.rdb, fn, opstest.DeadLetter{Stream: "events:order", EntryID: "4-1", Type: "order.created", EventID: "ev-match", Data: `{}`, Error: "boom", Attempts: 1, Failed: t0})
	got := live.nextOf("")
	if d := decodeDeadLetter(t, got); d.ID != match || d.Total != 4 {
		t.Fatalf("live dead letter %+v, want %s (the other type does not match) with total 4", d, match)
	}
	if strings.Contains(decodeDeadLetter(t, got).HTML, `type="checkbox"`) {
		t.Errorf("a read-only session's live row has a checkbox")
	}
	live.close()

	later := opstest.Seed(t, s.rdb, fn, opstest.DeadLetter{Stream: "events:order", EntryID: "5-1", Type: "order.created", EventID: "ev-later", Data: `{}`, Error: "boom", Attempts: 1, Failed: t0})
	again, _ := c.mustOpenLive(path, got.ID)
	if d := decodeDeadLetter(t, again.nextOf("")); d.ID != later {
		t.Errorf("resumed live dead letter %+v, want %s", d, later)
	}
}

func TestOverviewCountsUpdateLive(t *testing.T) {
	s, _ := liveSite(t, srv.Client(t), dashboard.Config{})
	fn := opstest.Unique("billing")
	seedTwo(t, s, fn)
	c := s.loggedIn(s.admin)
	_, body := c.get("/")
	for _, want := range []string{`<tr data-function="` + fn + `">`, `data-field="dead"`, `data-field="pending"`, `data-field="retrying"`, `data-field="lag"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("the overview has no %s:\n%s", want, body)
		}
	}
	live, status := c.openLive(liveURL(t, body), "")
	if live == nil {
		t.Fatalf("status stream: %d", status)
	}
	dead := func(ev sseEvent) int64 {
		var list []struct {
			Name string `json:"name"`
			Dead int64  `json:"dead"`
		}
		if err := json.Unmarshal([]byte(ev.Data), &list); err != nil {
			t.Fatal(err)
		}
		for _, f := range list {
			if f.Name == fn {
				return f.Dead
			}
		}
		return -1
	}
	if n := dead(live.next("status")); n != 2 {
		t.Fatalf("first status: %s has %d dead, want 2", fn, n)
	}
	seedTwo(t, s, fn)
	deadline := time.Now().Add(15 * time.Second)
	for n := int64(2); n != 4; n = dead(live.nextOf("status")) {
		if time.Now().After(deadline) {
			t.Fatalf("the status stream did not report 4 dead letters of %s", fn)
		}
	}
}
