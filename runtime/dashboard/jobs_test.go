package dashboard_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

// jobDeadline bounds every wait for a job or for the replays it made.
const jobDeadline = 90 * time.Second

// jobStatus is what a job's page shows through its stable selectors.
type jobStatus struct {
	State       string
	Done, Total int
	// Progress is the <progress id="job-progress"> element's value and max.
	Value, Max int
	Refreshes  bool
	Body       string
}

var (
	jobStateRe    = regexp.MustCompile(`id="job-state"[^>]*>([a-z]+)<`)
	jobDoneRe     = regexp.MustCompile(`id="job-done">(\d+)<`)
	jobTotalRe    = regexp.MustCompile(`id="job-total">(\d+)<`)
	jobProgressRe = regexp.MustCompile(`<progress id="job-progress" value="(\d+)" max="(\d+)">`)
)

// job reads the job page at path.
func (c *client) job(path string) jobStatus {
	c.s.t.Helper()
	res, body := c.get(path)
	wantStatus(c.s.t, "job page", res, body, http.StatusOK)
	st := jobStatus{Body: body, Refreshes: strings.Contains(body, `<meta http-equiv="refresh" content="2">`)}
	num := func(re *regexp.Regexp, i int) int {
		m := re.FindStringSubmatch(body)
		if m == nil {
			c.s.t.Fatalf("the job page has no %s:\n%s", re, body)
		}
		n, _ := strconv.Atoi(m[i])
		return n
	}
	if m := jobStateRe.FindStringSubmatch(body); m != nil {
		st.State = m[1]
	} else {
		c.s.t.Fatalf("the job page has no #job-state:\n%s", body)
	}
	st.Done, st.Total = num(jobDoneRe, 1), num(jobTotalRe, 1)
	st.Value, st.Max = num(jobProgressRe, 1), num(jobProgressRe, 2)
	return st
}

// startAll confirms action of all function's dead letters and returns
// the job page it redirects to.
func (c *client) startAll(action, function string) string {
	c.s.t.Helper()
	res, body := c.post("/functions/"+function+"/"+action, url.Values{"csrf": {c.csrf()}, "all": {"1"}, "confirm": {"yes"}})
	wantStatus(c.s.t, action+" all, confirmed", res, body, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "/jobs/") {
		c.s.t.Fatalf("%s all redirects to %q, want /jobs/{id}", action, loc)
	}
	return loc
}

// waitJob polls the job page until its state is want and returns it and
// the done counts seen on the way.
func (c *client) waitJob(path, want string) (jobStatus, []int) {
	c.s.t.Helper()
	var st jobStatus
	var seen []int
	redistest.Eventually(c.s.t, jobDeadline, func() bool {
		st = c.job(path)
		seen = append(seen, st.Done)
		return st.State == want
	}, "job %s %s (last seen: %+v)", path, want, &st)
	return st, seen
}

// waitReplayed waits until function has no dead letters and sw ran each
// of ev-0 … ev-(n-1), then checks that each ran once and was claimed
// once, over every fault given.
func waitReplayed(t *testing.T, s *site, sw *opstest.Switch, function string, n int, faults ...*fault) {
	t.Helper()
	redistest.Eventually(t, jobDeadline, func() bool { return deadCount(t, s, function) == 0 }, "every dead letter of %s replayed and gone", function)
	claims := map[string]int{}
	for _, f := range faults {
		for id, k := range f.claims() {
			claims[id] += k
		}
	}
	if len(claims) != n {
		t.Errorf("%d dead letters claimed for a replay, want %d", len(claims), n)
	}
	for id, k := range claims {
		if k != 1 {
			t.Errorf("dead letter %s claimed for a replay %d times, want once", id, k)
		}
	}
	for i := range n {
		if k := sw.Succeeded(fmt.Sprintf("ev-%d", i)); k != 1 {
			t.Errorf("ev-%d ran %d times, want once", i, k)
		}
	}
}

func TestReplayAllOfManyRunsAsAJobWithProgress(t *testing.T) {
	const n = 2000
	plain, fn, sw := replayable(t, n)
	f := newFault(fn)
	f.holdAfter = n / 2
	s := serveThrough(t, f, plain, twoTokens())
	c := s.loggedIn(s.admin)
	path := c.startAll("replay", fn)

	f.waitHeld(t) // the run stands still halfway, so its page is seen mid-way
	mid := c.job(path)
	if mid.State != "running" || mid.Total != n || mid.Done <= 0 || mid.Done > n/2 || !mid.Refreshes {
		t.Errorf("mid-way: %s, %d of %d done, refreshing %v; want running, 1…%d of %d, refreshing", mid.State, mid.Done, mid.Total, mid.Refreshes, n/2, n)
	}
	if mid.Value != mid.Done || mid.Max != n {
		t.Errorf("mid-way progress bar %d of %d, want %d of %d", mid.Value, mid.Max, mid.Done, n)
	}
	ro := s.loggedIn(s.readOnly)
	if st := ro.job(path); st.State != "running" || strings.Contains(st.Body, `id="job-resume"`) {
		t.Errorf("a read-only session sees %s, or a Resume button, on a running job", st.State)
	}
	f.release()

	end, seen := c.waitJob(path, "done")
	if end.Done != n || end.Total != n || end.Value != n || end.Max != n || end.Refreshes {
		t.Errorf("finished: %d of %d, bar %d of %d, refreshing %v; want %d of %d, not refreshing", end.Done, end.Total, end.Value, end.Max, end.Refreshes, n, n)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Errorf("progress went back: %v", seen)
			break
		}
	}
	if !strings.Contains(end.Body, `id="job-replayed">2000<`) {
		t.Errorf("the finished job does not say 2000 replayed:\n%s", end.Body)
	}
	waitReplayed(t, s, sw, fn, n, f)
	res, body := c.get("/jobs")
	if wantStatus(t, "jobs", res, body, http.StatusOK); !strings.Contains(body, `href="`+path+`"`) {
		t.Errorf("the job list does not link %s:\n%s", path, body)
	}
}

func TestJobWhoseProcessDiedShowsInterruptedAndResumeFinishesIt(t *testing.T) {
	const n, diesAfter = 500, 200
	plain, fn, sw := replayable(t, n)
	clk := &clock{now: time.Now()}
	cfg := dashboard.Config{Token: opstest.Unique("admin"), ReadOnlyToken: opstest.Unique("read"), Now: clk.Now}
	dying, watching := newFault(fn), newFault(fn)
	dying.dieAfter = diesAfter
	a := serveThrough(t, dying, plain, cfg) // the process that dies mid-job
	b := serveThrough(t, watching, plain, cfg)
	path := a.loggedIn(a.admin).startAll("replay", fn)
	redistest.Eventually(t, jobDeadline, dying.Dead, "the first dashboard's Redis client dies after %d claims", diesAfter)

	c := b.loggedIn(b.admin)
	if st := c.job(path); st.State != "running" {
		t.Fatalf("with a fresh heartbeat the job is %s, want running", st.State)
	}
	res, body := c.post(path+"/resume", url.Values{"csrf": {c.csrf()}})
	wantStatus(t, "resume of a job with a fresh heartbeat", res, body, http.StatusConflict)
	clk.Add(time.Minute) // no heartbeat since
	st := c.job(path)
	if st.State != "interrupted" || st.Refreshes || !strings.Contains(st.Body, `id="job-resume"`) || st.Done > diesAfter {
		t.Fatalf("after a minute without a heartbeat: %s, %d done, refreshing %v; want interrupted with Resume, at most %d done:\n%s",
			st.State, st.Done, st.Refreshes, diesAfter, st.Body)
	}
	ro := b.loggedIn(b.readOnly)
	if st := ro.job(path); st.State != "interrupted" || strings.Contains(st.Body, `id="job-resume"`) {
		t.Errorf("a read-only session sees the job %s, or a Resume button", st.State)
	}
	res, body = ro.post(path+"/resume", url.Values{"csrf": {ro.csrf()}})
	wantStatus(t, "a read-only resume", res, body, http.StatusForbidden)
	res, body = c.post(path+"/resume", url.Values{"csrf": {c.csrf()}})
	if wantStatus(t, "resume", res, body, http.StatusSeeOther); res.Header.Get("Location") != path {
		t.Errorf("resume redirects to %q, want %s", res.Header.Get("Location"), path)
	}
	end, _ := c.waitJob(path, "done")
	if end.Done != end.Total || end.Total == 0 || end.Total > n {
		t.Errorf("the resumed run did %d of %d, want all of 1…%d", end.Done, end.Total, n)
	}
	if !strings.Contains(end.Body, "Resumed</dt><dd>1 time;") {
		t.Errorf("the finished job does not say it was resumed once:\n%s", end.Body)
	}
	waitReplayed(t, b, sw, fn, n, dying, watching)
}

func TestClosingTheDashboardInterruptsItsJobs(t *testing.T) {
	const n = 20
	plain, fn, sw := replayable(t, n)
	f := newFault(fn)
	f.holdAfter = 5
	cfg := dashboard.Config{Token: opstest.Unique("admin")}
	watching := newFault(fn)
	a, b := serveThrough(t, f, plain, cfg), serveThrough(t, watching, plain, cfg)
	path := a.loggedIn(a.admin).startAll("replay", fn)
	f.waitHeld(t)
	if err := a.h.Close(); err != nil {
		t.Fatal(err)
	}
	c := b.loggedIn(b.admin)
	if st := c.job(path); st.State != "interrupted" || !strings.Contains(st.Body, "the dashboard stopped") {
		t.Fatalf("after Close the job is %s, want interrupted saying the dashboard stopped:\n%s", st.State, st.Body)
	}
	ac := a.loggedIn(a.admin)
	res, body := ac.post("/functions/"+fn+"/replay", url.Values{"all": {"1"}, "confirm": {"yes"}, "csrf": {ac.csrf()}})
	wantStatus(t, "a job started on a closed dashboard", res, body, http.StatusServiceUnavailable)
	res, body = c.post(path+"/resume", url.Values{"csrf": {c.csrf()}})
	wantStatus(t, "resume on the other dashboard", res, body, http.StatusSeeOther)
	c.waitJob(path, "done")
	waitReplayed(t, b, sw, fn, n, f, watching)
}

func TestPurgeAllRunsAsAJob(t *testing.T) {
	s, fn, _, _ := seededSite(t)
	c := s.loggedIn(s.admin)
	path := c.startAll("purge", fn)
	end, _ := c.waitJob(path, "done")
	if end.Done != 2 || end.Total != 2 || !strings.Contains(end.Body, `id="job-purged">2<`) {
		t.Errorf("the purge job did %d of %d:\n%s", end.Done, end.Total, end.Body)
	}
	if n := deadCount(t, s, fn); n != 0 {
		t.Errorf("%d dead letters after purging all, want 0", n)
	}
}

func TestJobsNeedAnAdminSessionAndACSRFToken(t *testing.T) {
	s, fn, _, _ := seededSite(t)
	admin := s.loggedIn(s.admin)
	path := admin.startAll("purge", fn)
	admin.waitJob(path, "done")
	seedTwo(t, s, fn)

	ro := s.loggedIn(s.readOnly)
	if st := ro.job(path); st.State != "done" {
		t.Errorf("a read-only session sees the job %s, want done", st.State)
	}
	for name, post := range map[string]struct {
		c    *client
		path string
		form url.Values
	}{
		"read-only start":     {ro, "/functions/" + fn + "/replay", url.Values{"csrf": {ro.csrf()}, "all": {"1"}, "confirm": {"yes"}}},
		"read-only resume":    {ro, path + "/resume", url.Values{"csrf": {ro.csrf()}}},
		"start without CSRF":  {admin, "/functions/" + fn + "/replay", url.Values{"all": {"1"}, "confirm": {"yes"}}},
		"resume without CSRF": {admin, path + "/resume", url.Values{}},
		"resume, wrong CSRF":  {admin, path + "/resume", url.Values{"csrf": {"00ff"}}},
	} {
		t.Run(name, func(t *testing.T) {
			res, body := post.c.post(post.path, post.form)
			wantStatus(t, name, res, body, http.StatusForbidden)
			if n := deadCount(t, s, fn); n != 2 {
				t.Errorf("%d dead letters after a refused %s, want 2", n, name)
			}
		})
	}
	res, body := admin.post(path+"/resume", url.Values{"csrf": {admin.csrf()}})
	wantStatus(t, "resume of a finished job", res, body, http.StatusConflict)
	for _, p := range []string{"/jobs/NOSUCHJOB", "/jobs/AAAAAAAAAAAAAAAAAAAAAAAAAA"} {
		res, body := admin.get(p)
		wantStatus(t, "GET "+p, res, body, http.StatusNotFound)
	}
	res, _ = s.anonymous().get(path)
	wantStatus(t, "a job page without a session", res, "", http.StatusSeeOther)
}

func TestAResumedJobIsNotOverwrittenByTheRunItTookOver(t *testing.T) {
	const n = 30
	plain, fn, sw := replayable(t, n)
	clk := &clock{now: time.Now()}
	cfg := dashboard.Config{Token: opstest.Unique("admin"), Now: clk.Now}
	stuck, watching := newFault(fn), newFault(fn)
	stuck.holdAfter = 10
	a, b := serveThrough(t, stuck, plain, cfg), serveThrough(t, watching, plain, cfg)
	path := a.loggedIn(a.admin).startAll("replay", fn)
	stuck.waitHeld(t) // a's run hangs, alive, with its heartbeat frozen by the clock
	clk.Add(time.Minute)
	c := b.loggedIn(b.admin)
	res, body := c.post(path+"/resume", url.Values{"csrf": {c.csrf()}})
	wantStatus(t, "resume of a job whose heartbeat is a minute old", res, body, http.StatusSeeOther)
	end, _ := c.waitJob(path, "done")
	if err := a.h.Close(); err != nil { // a's run ends now and tries to record that it was interrupted
		t.Fatal(err)
	}
	if after := c.job(path); after.State != "done" || after.Done != end.Done {
		t.Errorf("after the old run ended the job is %s with %d done, want done with %d: the old run wrote over the new one", after.State, after.Done, end.Done)
	}
	waitReplayed(t, b, sw, fn, n, stuck, watching)
}
