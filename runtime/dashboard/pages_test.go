package dashboard_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// seedTwo writes two dead letters of function that differ in type, error
// and time, and returns their ids.
func seedTwo(t *testing.T, s *site, function string) (payment, stock string) {
	t.Helper()
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	payment = opstest.Seed(t, s.rdb, function, opstest.DeadLetter{
		Stream: "events:order", EntryID: "1-1", Type: "order.created", EventID: "ev-payment",
		Data: `{"id":"o1","total":3}`, Error: "payment API: 503", Attempts: 5, Failed: t0,
	})
	stock = opstest.Seed(t, s.rdb, function, opstest.DeadLetter{
		Stream: "events:order", EntryID: "2-1", Type: "order.cancelled", EventID: "ev-stock",
		Data: `{"id":"o2"}`, Error: "stock service: timeout", Attempts: 2, Failed: t0.Add(time.Hour),
	})
	return payment, stock
}

// seededSite serves a dashboard with a function that has the two dead
// letters of seedTwo.
func seededSite(t *testing.T) (s *site, function, payment, stock string) {
	t.Helper()
	s, function = newSite(t, srv.Client(t)), opstest.Unique("billing")
	payment, stock = seedTwo(t, s, function)
	return s, function, payment, stock
}

func TestOverviewListsTheFunctions(t *testing.T) {
	s := newSite(t, srv.Client(t))
	running, deadOnly := opstest.Unique("billing"), opstest.Unique("mailer")
	opstest.StartBroken(t, s.rdb, running, opstest.Unique("events:order"))
	seedTwo(t, s, deadOnly)
	res, body := s.loggedIn(s.admin).get("/")
	wantStatus(t, "overview", res, body, http.StatusOK)
	for _, fn := range []string{running, deadOnly} {
		if !strings.Contains(body, `<td class="name">`+fn) {
			t.Errorf("the overview does not list %s:\n%s", fn, body)
		}
	}
	if !strings.Contains(body, `<a href="`+deadLettersPath(deadOnly)+`">2</a>`) {
		t.Errorf("the overview does not show %s's 2 dead letters with a link:\n%s", deadOnly, body)
	}
	for _, col := range []string{"Lag", "Pending", "Retrying", "Dead", "Consumers"} {
		if !strings.Contains(body, ">"+col+"</th>") {
			t.Errorf("the overview has no %s column", col)
		}
	}
}

func TestDeadLettersListAndSearchFilterThem(t *testing.T) {
	s, fn, payment, stock := seededSite(t)
	c := s.loggedIn(s.admin)
	for name, tc := range map[string]struct {
		query      url.Values
		want, lost []string
	}{
		"all":                 {nil, []string{payment, stock}, nil},
		"error text":          {url.Values{"error": {"PAYMENT api"}}, []string{payment}, []string{stock}},
		"event type":          {url.Values{"type": {"order.cancelled"}}, []string{stock}, []string{payment}},
		"since":               {url.Values{"since": {"2025-03-01T10:30"}}, []string{stock}, []string{payment}},
		"until":               {url.Values{"until": {"2025-03-01T10:30:00Z"}}, []string{payment}, []string{stock}},
		"nothing matches":     {url.Values{"error": {"no such error"}}, nil, []string{payment, stock}},
		"type and error both": {url.Values{"type": {"order.created"}, "error": {"timeout"}}, nil, []string{payment, stock}},
	} {
		t.Run(name, func(t *testing.T) {
			path := deadLettersPath(fn)
			if tc.query != nil {
				path += "?" + tc.query.Encode()
			}
			res, body := c.get(path)
			wantStatus(t, "GET "+path, res, body, http.StatusOK)
			for _, id := range tc.want {
				if !strings.Contains(body, `href="`+deadLettersPath(fn)+"/"+id+`"`) {
					t.Errorf("%s does not list %s:\n%s", path, id, body)
				}
			}
			for _, id := range tc.lost {
				if strings.Contains(body, id) {
					t.Errorf("%s lists %s, which does not match", path, id)
				}
			}
		})
	}
	t.Run("a time it cannot read is 400", func(t *testing.T) {
		res, body := c.get(deadLettersPath(fn) + "?since=yesterday")
		wantStatus(t, "since=yesterday", res, body, http.StatusBadRequest)
	})
	t.Run("an unknown function is 404", func(t *testing.T) {
		res, body := c.get(deadLettersPath(opstest.Unique("nobody")))
		wantStatus(t, "unknown function", res, body, http.StatusNotFound)
	})
}

func TestDeadLettersArePaged(t *testing.T) {
	s := newSite(t, srv.Client(t)) // PageSize 10
	fn := opstest.Unique("billing")
	for range 12 {
		seedTwo(t, s, fn)
	}
	c := s.loggedIn(s.admin)
	res, body := c.get(deadLettersPath(fn))
	wantStatus(t, "first page", res, body, http.StatusOK)
	if n := strings.Count(body, `name="id"`); n != 10 {
		t.Errorf("the first page lists %d dead letters, want 10", n)
	}
	i := strings.Index(body, "Next page")
	j := strings.LastIndex(body[:max(i, 0)], `href="`)
	if i < 0 || j < 0 {
		t.Fatalf("the first page has no link to the next:\n%s", body)
	}
	next := html.UnescapeString(body[j+len(`href="`) : strings.Index(body[j+len(`href="`):], `"`)+j+len(`href="`)])
	res, body = c.get(next)
	wantStatus(t, "second page", res, body, http.StatusOK)
	if n := strings.Count(body, `name="id"`); n != 10 {
		t.Errorf("the second page lists %d dead letters, want 10", n)
	}
}

func TestDetailPageShowsTheFields(t *testing.T) {
	s, fn, payment, _ := seededSite(t)
	res, body := s.loggedIn(s.admin).get(deadLettersPath(fn) + "/" + payment)
	wantStatus(t, "detail", res, body, http.StatusOK)
	for _, want := range []string{
		"Dead letter " + payment, "events:order", "<dd>1-1</dd>", "<dd>order.created</dd>", "<dd>ev-payment</dd>",
		"payment API: 503", "<dd>5</dd>", "2025-03-01 10:00:00.000 UTC", "&#34;total&#34;: 3",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the detail page does not show %q:\n%s", want, body)
		}
	}
	res, body = s.loggedIn(s.admin).get(deadLettersPath(fn) + "/9-9")
	wantStatus(t, "a dead letter that is not there", res, body, http.StatusNotFound)
}

func TestPagesEscapeWhatADeadLetterSays(t *testing.T) {
	s := newSite(t, srv.Client(t))
	fn := opstest.Unique("billing")
	const attack = `<script>alert(1)</script>`
	id := opstest.Seed(t, s.rdb, fn, opstest.DeadLetter{
		Stream: "events:order", EntryID: "1-1", Type: attack, EventID: "ev-x", Data: `{"html":"` + attack + `"}`,
		Error: attack, Attempts: 1, Failed: time.Now(),
	})
	c := s.loggedIn(s.admin)
	for _, path := range []string{deadLettersPath(fn), deadLettersPath(fn) + "/" + id} {
		res, body := c.get(path)
		wantStatus(t, "GET "+path, res, body, http.StatusOK)
		if strings.Contains(body, attack) || !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("GET %s does not escape the dead letter's text:\n%s", path, body)
		}
	}
}

func TestMalformedDeadLetterIsShownNotFailed(t *testing.T) {
	s := newSite(t, srv.Client(t))
	fn := opstest.Unique("billing")
	opstest.Seed(t, s.rdb, fn, opstest.DeadLetter{Stream: "events:order", EntryID: "1-1", Type: "t", EventID: "e", Error: "x", Attempts: 1, Failed: time.Now()})
	id, err := s.rdb.XAdd(t.Context(), &redis.XAddArgs{Stream: runtime.DeadLetterStream(fn), Values: map[string]any{"junk": "1"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	c := s.loggedIn(s.admin)
	res, body := c.get(deadLettersPath(fn))
	wantStatus(t, "list with a malformed entry", res, body, http.StatusOK)
	if !strings.Contains(body, "malformed: ") || !strings.Contains(body, id) {
		t.Errorf("the list does not show the malformed entry %s as such:\n%s", id, body)
	}
	res, body = c.get(deadLettersPath(fn) + "/" + id)
	wantStatus(t, "detail of a malformed entry", res, body, http.StatusOK)
	if !strings.Contains(body, "it can be purged, not replayed") || !strings.Contains(body, "<dt>junk</dt><dd>1</dd>") {
		t.Errorf("the detail page does not show the malformed entry's fields:\n%s", body)
	}
}
