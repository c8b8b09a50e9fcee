package dashboard_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// deadCount is how many dead letters function has.
func deadCount(t *testing.T, s *site, function string) int {
	t.Helper()
	return len(opstest.DeadLetters(t, s.rdb, function))
}

// confirmThenAct posts action on function's selection form as a browser
// does: first without confirm, which must show each of wantConfirm and
// a confirmation form and leave function's deadBefore dead letters alone,
// then with confirm=yes. It returns the result page.
func confirmThenAct(t *testing.T, s *site, c *client, action, function string, form url.Values, deadBefore int, wantConfirm ...string) string {
	t.Helper()
	path := "/functions/" + function + "/" + action
	form.Set("csrf", c.csrf())
	res, body := c.post(path, form)
	wantStatus(t, action+", first step", res, body, http.StatusOK)
	for _, want := range append(wantConfirm, `name="confirm" value="yes"`) {
		if !strings.Contains(body, want) {
			t.Fatalf("the first step of %s does not show %q:\n%s", action, want, body)
		}
	}
	if n := deadCount(t, s, function); n != deadBefore {
		t.Fatalf("%d dead letters before the confirmation of %s, want %d", n, action, deadBefore)
	}
	form.Set("confirm", "yes")
	res, body = c.post(path, form)
	wantStatus(t, action+", confirmed", res, body, http.StatusOK)
	return body
}

func TestReplayOfOneWithCSRFMakesTheDeadLetterCountFall(t *testing.T) {
	s := newSite(t, srv.Client(t))
	fn, stream := opstest.Unique("billing"), opstest.Unique("events:order")
	sw := opstest.StartBroken(t, s.rdb, fn, stream)
	_, id := opstest.FailOne(t, s.rdb, fn, stream, "order.created", "ev-1", "o1", map[string]int{"total": 3})
	sw.Fix()
	body := confirmThenAct(t, s, s.loggedIn(s.admin), "replay", fn, url.Values{"id": {id}}, 1, "Confirm: replay 1 dead letter of "+fn)
	if !strings.Contains(body, "Replayed 1") {
		t.Errorf("the result does not say 1 was replayed:\n%s", body)
	}
	redistest.Eventually(t, 15*time.Second, func() bool { return deadCount(t, s, fn) == 0 && sw.Succeeded("ev-1") == 1 },
		"the replayed dead letter leaves the stream after a successful run")
}

func TestReplayAllThatMatchAFilterShowsTheCountFirst(t *testing.T) {
	s := newSite(t, srv.Client(t))
	fn := opstest.Unique("billing")
	seedTwo(t, s, fn)
	seedTwo(t, s, fn)
	c := s.loggedIn(s.admin)
	form := url.Values{"csrf": {c.csrf()}, "all": {"1"}, "error": {"payment"}}
	res, body := c.post("/functions/"+fn+"/replay", form)
	wantStatus(t, "replay all, first step", res, body, http.StatusOK)
	if !strings.Contains(body, "Confirm: replay 2 dead letters of "+fn) || !strings.Contains(body, `name="error" value="payment"`) {
		t.Errorf("the confirmation does not show 2 matching and carry the filter:\n%s", body)
	}
	if n := deadCount(t, s, fn); n != 4 {
		t.Errorf("%d dead letters after the first step, want 4 (nothing replayed)", n)
	}
}

func TestPostWithoutOrWithAWrongCSRFTokenIsForbidden(t *testing.T) {
	s, fn, payment, _ := seededSite(t)
	c := s.loggedIn(s.admin)
	other := s.loggedIn(s.admin).csrf() // a valid token of another session
	for name, csrf := range map[string][]string{"missing": nil, "empty": {""}, "wrong": {"00ff"}, "another session's": {other}} {
		for _, action := range []string{"replay", "purge"} {
			t.Run(name+" "+action, func(t *testing.T) {
				form := url.Values{"id": {payment}, "confirm": {"yes"}}
				if csrf != nil {
					form["csrf"] = csrf
				}
				res, body := c.post("/functions/"+fn+"/"+action, form)
				wantStatus(t, action, res, body, http.StatusForbidden)
				if n := deadCount(t, s, fn); n != 2 {
					t.Errorf("%d dead letters after a refused %s, want 2", n, action)
				}
			})
		}
	}
	t.Run("logout", func(t *testing.T) {
		res, body := c.post("/logout", url.Values{"csrf": {"00ff"}})
		wantStatus(t, "logout", res, body, http.StatusForbidden)
	})
	// A browser says where a request comes from in Sec-Fetch-Site (it
	// wins) or Origin ("null" under some referrer policies).
	for name, header := range map[string][2]string{
		"another origin":        {"Origin", "http://evil.example"},
		"an opaque origin":      {"Origin", "null"},
		"a cross-site fetch":    {"Sec-Fetch-Site", "cross-site"},
		"a same-site subdomain": {"Sec-Fetch-Site", "same-site"},
	} {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.url+"/functions/"+fn+"/purge",
				strings.NewReader(url.Values{"csrf": {c.csrf()}, "id": {payment}, "confirm": {"yes"}}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(header[0], header[1])
			res, body := c.read(c.c.Do(req))
			wantStatus(t, "purge from "+name, res, body, http.StatusForbidden)
			if n := deadCount(t, s, fn); n != 2 {
				t.Errorf("%d dead letters after a purge from %s, want 2", n, name)
			}
		})
	}
}

func TestReadOnlySessionSeesPagesButGetsForbiddenOnReplayAndPurge(t *testing.T) {
	s, fn, payment, _ := seededSite(t)
	c := s.loggedIn(s.readOnly)
	csrf := c.csrf()
	res, body := c.get(deadLettersPath(fn))
	wantStatus(t, "read-only list", res, body, http.StatusOK)
	if !strings.Contains(body, "read-only") || strings.Contains(body, "Replay selected") {
		t.Errorf("a read-only list offers replay or does not say read-only:\n%s", body)
	}
	for _, action := range []string{"replay", "purge"} {
		for name, form := range map[string]url.Values{
			"first step": {"csrf": {csrf}, "id": {payment}},
			"confirmed":  {"csrf": {csrf}, "id": {payment}, "confirm": {"yes"}},
			"all":        {"csrf": {csrf}, "all": {"1"}, "confirm": {"yes"}},
		} {
			t.Run(action+" "+name, func(t *testing.T) {
				res, body := c.post("/functions/"+fn+"/"+action, form)
				wantStatus(t, action, res, body, http.StatusForbidden)
				if n := deadCount(t, s, fn); n != 2 {
					t.Errorf("%d dead letters after a read-only %s, want 2", n, action)
				}
			})
		}
	}
}

func TestPurgeWithConfirmationRemovesIt(t *testing.T) {
	s, fn, payment, stock := seededSite(t)
	c := s.loggedIn(s.admin)
	body := confirmThenAct(t, s, c, "purge", fn, url.Values{"id": {payment}}, 2, "Confirm: purge 1 dead letter of "+fn, "deleted for good")
	if !strings.Contains(body, "Purged 1.") || !strings.Contains(body, "purge of "+fn+": done") {
		t.Errorf("the result does not say 1 was purged:\n%s", body)
	}
	left := opstest.DeadLetters(t, s.rdb, fn)
	if len(left) != 1 || left[0].ID != stock {
		t.Errorf("after the purge: %+v, want only %s", left, stock)
	}
	res, body := c.post("/functions/"+fn+"/purge", url.Values{"csrf": {c.csrf()}, "all": {"1"}, "type": {"order.cancelled"}, "confirm": {"yes"}})
	wantStatus(t, "purge all of a type, confirmed", res, body, http.StatusSeeOther) // a job: see jobs_test.go
	c.waitJob(res.Header.Get("Location"), "done")
	if n := deadCount(t, s, fn); n != 0 {
		t.Errorf("%d dead letters after purging all that match, want 0", n)
	}
}

func TestTokenNeverAppearsInAResponse(t *testing.T) {
	s, fn, payment, _ := seededSite(t)
	for _, token := range []string{s.admin, s.readOnly, "wrong"} {
		c := s.anonymous()
		c.get("/login")
		c.post("/login", url.Values{"token": {token}})
		c.get("/")
		c.get(deadLettersPath(fn))
		c.get(deadLettersPath(fn) + "/" + payment)
		c.post("/functions/"+fn+"/replay", url.Values{"id": {payment}})
	}
	s.rec.mustNotContain(t, s.admin, s.readOnly)
	if len(s.rec.seen) < 3*18 { // three records (body, Set-Cookie, Location) per response
		t.Fatalf("recorded %d responses, want every one of the 18 requests", len(s.rec.seen)/3)
	}
}
