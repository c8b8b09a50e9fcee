package dashboard_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/dashboard"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

func TestHistoryRatesCountTheEventsBetweenSamples(t *testing.T) {
	rdb, key, fn, stream := sampledFunction(t)
	s, h := serveSampling(t, rdb, dashboard.Config{HistoryKey: key, SampleEvery: 10 * time.Second})

	publishEvents(t, rdb, stream, 5)
	first := consumeEvents(t, rdb, fn, stream, 5, 3) // 3 settled, 2 pending
	t0 := time.Now().Truncate(10 * time.Second)
	if won, err := h.SampleAt(t.Context(), t0); err != nil || !won {
		t.Fatalf("first round: won %v, %v", won, err)
	}
	publishEvents(t, rdb, stream, 20)                                             // in: 20 in 10 s
	consumeEvents(t, rdb, fn, stream, 12, 12)                                     // out: 12 new ones ...
	if err := rdb.XAck(t.Context(), stream, fn, first[3:]...).Err(); err != nil { // ... and the 2 pending: 14 in 10 s
		t.Fatal(err)
	}
	if won, err := h.SampleAt(t.Context(), t0.Add(10*time.Second)); err != nil || !won {
		t.Fatalf("second round: won %v, %v", won, err)
	}

	c := s.loggedIn(s.admin)
	hd := c.historyOf(fn)
	if len(hd.T) != 2 || hd.T[0] != float64(t0.Unix()) || hd.T[1] != float64(t0.Unix()+10) {
		t.Fatalf("history times %v, want [%d %d]", hd.T, t0.Unix(), t0.Unix()+10)
	}
	if hd.In[0] != nil || hd.Out[0] != nil {
		t.Errorf("the first sample has rates %v %v, want null (nothing before it)", hd.In[0], hd.Out[0])
	}
	if got := deref(hd.In[1]); got != 2 {
		t.Errorf("in/s = %v, want 2 (20 events in 10 s)", got)
	}
	if got := deref(hd.Out[1]); got != 1.4 {
		t.Errorf("out/s = %v, want 1.4 (14 events settled in 10 s)", got)
	}
	if hd.Lag[1] == nil || *hd.Lag[1] != 8 || hd.Pending[1] != 0 {
		t.Errorf("last sample: lag %v pending %d, want 8 and 0", hd.Lag[1], hd.Pending[1])
	}
	if hd.EveryS != 10 || hd.WindowS != 3600 {
		t.Errorf("every %v s, window %v s; want 10 and 3600", hd.EveryS, hd.WindowS)
	}

	// The overview, read without JavaScript, shows the same rates.
	res, body := c.get("/")
	wantStatus(t, "overview", res, body, http.StatusOK)
	row := rowOf(t, body, fn)
	for _, want := range []string{`<td class="n rate-in">2.0</td>`, `<td class="n rate-out">1.4</td>`} {
		if !strings.Contains(row, want) {
			t.Errorf("the overview's row of %s lacks %s:\n%s", fn, want, row)
		}
	}
	for _, col := range []string{"In/s", "Out/s"} {
		if !regexp.MustCompile(`<th[^>]*>` + col + `</th>`).MatchString(body) {
			t.Errorf("the overview has no %s column", col)
		}
	}
	if !strings.Contains(body, "The chart needs JavaScript.") {
		t.Errorf("the overview does not say the chart needs JavaScript:\n%s", body)
	}

	// A dashboard started afresh on the same key serves the same history.
	s2, _ := serveSampling(t, rdb, dashboard.Config{HistoryKey: key, SampleEvery: 10 * time.Second})
	again := s2.loggedIn(s2.admin).historyOf(fn)
	if len(again.T) != 2 || deref(again.In[1]) != 2 || deref(again.Out[1]) != 1.4 {
		t.Errorf("a restarted dashboard serves %+v, want the two samples", again)
	}
}

func TestHistoryGivesNoRateWhenACounterGoesBack(t *testing.T) {
	rdb, key, fn, stream := sampledFunction(t)
	s, h := serveSampling(t, rdb, dashboard.Config{HistoryKey: key, SampleEvery: 10 * time.Second})
	publishEvents(t, rdb, stream, 6)
	consumeEvents(t, rdb, fn, stream, 6, 6)
	t0 := time.Now().Truncate(10 * time.Second)
	sampleOrFail(t, h, t0)
	// The stream is recreated: both counters start again, lower.
	if err := rdb.Del(t.Context(), stream).Err(); err != nil {
		t.Fatal(err)
	}
	registerGroup(t, rdb, fn, stream)
	publishEvents(t, rdb, stream, 2)
	consumeEvents(t, rdb, fn, stream, 2, 1)
	sampleOrFail(t, h, t0.Add(10*time.Second))
	hd := s.loggedIn(s.admin).historyOf(fn)
	if len(hd.T) != 2 || hd.In[1] != nil || hd.Out[1] != nil {
		t.Errorf("after the stream was recreated: in %v out %v, want null (never negative)", hd.In, hd.Out)
	}
}

func TestHistoryIsBoundedInEntriesAndTime(t *testing.T) {
	rdb, key, fn, _ := sampledFunction(t)
	samples := key + ":" + fn

	t.Run("the sampler keeps window/interval+1 samples", func(t *testing.T) {
		const every, window = 100 * time.Millisecond, 400 * time.Millisecond
		const bound = int64(window/every) + 1
		_, h := serveSampling(t, rdb, dashboard.Config{HistoryKey: key, SampleEvery: every, HistoryWindow: window})
		startSampler(t, h)
		rounds := map[string]bool{}
		historyEventually(t, 20*time.Second, "12 sampling rounds", func() bool {
			xs, err := rdb.XRange(t.Context(), samples, "-", "+").Result()
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(xs)) > bound {
				t.Fatalf("the history holds %d samples, more than %d", len(xs), bound)
			}
			if len(xs) > 1 {
				if span := idTime(xs[len(xs)-1].ID).Sub(idTime(xs[0].ID)); span > window {
					t.Fatalf("the history spans %s, more than the window of %s", span, window)
				}
			}
			for _, x := range xs {
				rounds[x.ID] = true
			}
			return len(rounds) >= 12 && int64(len(xs)) == bound
		})
		ttl, err := rdb.PTTL(t.Context(), samples).Result()
		if err != nil || ttl <= 0 || ttl > 2*window {
			t.Errorf("the history's key expires in %s (%v), want within two windows", ttl, err)
		}
	})

	t.Run("samples older than the window are trimmed", func(t *testing.T) {
		_, h := serveSampling(t, rdb, dashboard.Config{HistoryKey: key, SampleEvery: 10 * time.Second})
		t0 := time.Now().Truncate(10 * time.Second).Add(time.Hour) // after the subtest above
		sampleOrFail(t, h, t0)
		sampleOrFail(t, h, t0.Add(10*time.Second))
		sampleOrFail(t, h, t0.Add(time.Hour+20*time.Second)) // the two above are now older than an hour
		xs, err := rdb.XRange(t.Context(), samples, "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(xs) != 1 || !idTime(xs[0].ID).Equal(t0.Add(time.Hour+20*time.Second)) {
			t.Errorf("after a round an hour later the history holds %v, want that round alone", xs)
		}
	})
}

func TestTwoDashboardsWriteOneSamplePerRound(t *testing.T) {
	rdb, key, fn, _ := sampledFunction(t)
	const every = 100 * time.Millisecond
	cfg := dashboard.Config{HistoryKey: key, SampleEvery: every, HistoryWindow: time.Minute}
	_, a := serveSampling(t, rdb, cfg)
	_, b := serveSampling(t, rdb, cfg)

	round := time.Now().Truncate(time.Second).Add(-time.Hour)
	wonA, errA := a.SampleAt(t.Context(), round)
	wonB, errB := b.SampleAt(t.Context(), round)
	if errA != nil || errB != nil || !wonA || wonB {
		t.Fatalf("one round sampled by two dashboards: a won %v (%v), b won %v (%v); want a alone", wonA, errA, wonB, errB)
	}

	startSampler(t, a)
	startSampler(t, b)
	samples := key + ":" + fn
	var xs []redis.XMessage
	historyEventually(t, 10*time.Second, "10 rounds sampled by the two", func() bool {
		var err error
		if xs, err = rdb.XRange(t.Context(), samples, "("+strconv.FormatInt(round.UnixMilli(), 10), "+").Result(); err != nil {
			t.Fatal(err)
		}
		return len(xs) >= 10
	})
	for i := 1; i < len(xs); i++ {
		gap := idTime(xs[i].ID).Sub(idTime(xs[i-1].ID))
		if gap < every || gap%every != 0 {
			t.Fatalf("samples %s and %s are %s apart, want a whole number of rounds of %s", xs[i-1].ID, xs[i].ID, gap, every)
		}
	}
}

func TestOverviewShowsNoRatesFromOldSamples(t *testing.T) {
	rdb, key, fn, stream := sampledFunction(t)
	s, h := serveSampling(t, rdb, dashboard.Config{HistoryKey: key, SampleEvery: 10 * time.Second})
	t0 := time.Now().Truncate(10 * time.Second).Add(-30 * time.Minute) // no dashboard has sampled since
	sampleOrFail(t, h, t0)
	publishEvents(t, rdb, stream, 10)
	sampleOrFail(t, h, t0.Add(10*time.Second))
	c := s.loggedIn(s.admin)
	if hd := c.historyOf(fn); len(hd.T) != 2 || deref(hd.In[1]) != 1 {
		t.Fatalf("the history is %+v, want two samples with 1 event/s in", hd)
	}
	res, body := c.get("/")
	wantStatus(t, "overview", res, body, http.StatusOK)
	if row := rowOf(t, body, fn); !strings.Contains(row, `<td class="n rate-in">-</td>`) {
		t.Errorf("the overview shows rates of half an hour ago as current:\n%s", row)
	}
}

func TestHistoryNeedsASession(t *testing.T) {
	s, _ := serveSampling(t, srv.Client(t), dashboard.Config{HistoryKey: opstest.Unique("history")})
	res, body := s.anonymous().get("/functions/billing/history.json")
	wantStatus(t, "history without a session", res, body, http.StatusUnauthorized)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" || !strings.Contains(body, `"error"`) {
		t.Errorf("401 answer: %q %s, want a JSON error", ct, body)
	}
}

func TestChartIsServedFromTheDashboardItself(t *testing.T) {
	rdb := srv.Client(t)
	registerGroup(t, rdb, opstest.Unique("billing"), opstest.Unique("events:order")) // the chart comes with a function to show
	s, _ := serveSampling(t, rdb, dashboard.Config{HistoryKey: opstest.Unique("history")})
	c := s.loggedIn(s.admin)
	for path, want := range map[string]string{
		"/static/vendor/uplot/uPlot.iife.min.js": "text/javascript",
		"/static/vendor/uplot/uPlot.min.css":     "text/css",
		"/static/charts.js":                      "text/javascript",
	} {
		res, body := c.get(path)
		wantStatus(t, path, res, body, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, want) || len(body) == 0 {
			t.Errorf("%s: Content-Type %q (%d bytes), want %s", path, ct, len(body), want)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s is sent without nosniff", path)
		}
	}
	res, body := c.get("/")
	wantStatus(t, "overview", res, body, http.StatusOK)
	if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Errorf("the overview's CSP is %q", csp)
	}
	for _, src := range []string{"/static/vendor/uplot/uPlot.iife.min.js", "/static/charts.js", "/static/vendor/uplot/uPlot.min.css"} {
		if !strings.Contains(body, `"`+src+`"`) {
			t.Errorf("the overview does not load %s:\n%s", src, body)
		}
	}
	if n, m := strings.Count(body, "<script"), strings.Count(body, `<script src="`); n != m || n == 0 {
		t.Errorf("the overview has %d scripts, %d of them from a file: no inline script allowed", n, m)
	}
	if strings.Contains(body, "style=") || strings.Contains(body, "<style") || strings.Contains(body, "http://") || strings.Contains(body, "https://") {
		t.Errorf("the overview has an inline style or fetches from elsewhere:\n%s", body)
	}
}

func TestHistoryOffShowsNoChart(t *testing.T) {
	rdb := srv.Client(t)
	fn, stream := opstest.Unique("billing"), opstest.Unique("events:order")
	registerGroup(t, rdb, fn, stream)
	s, h := serveSampling(t, rdb, dashboard.Config{HistoryKey: opstest.Unique("history"), SampleEvery: -1})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := h.Run(ctx); err != nil || ctx.Err() != nil {
		t.Fatalf("Run with sampling off: %v (context: %v), want nil at once", err, ctx.Err())
	}
	res, body := s.loggedIn(s.admin).get("/")
	wantStatus(t, "overview", res, body, http.StatusOK)
	if strings.Contains(body, "charts.js") || !strings.Contains(body, "history of lag and throughput is off") {
		t.Errorf("with the history off the overview still offers a chart:\n%s", body)
	}
	if row := rowOf(t, body, fn); !strings.Contains(row, `<td class="n rate-in">-</td>`) {
		t.Errorf("with the history off the rates are not '-':\n%s", row)
	}
}

// sampleOrFail samples round with h, which must win it.
func sampleOrFail(t *testing.T, h *dashboard.Handler, round time.Time) {
	t.Helper()
	if won, err := h.SampleAt(t.Context(), round); err != nil || !won {
		t.Fatalf("round %s: won %v, %v", round, won, err)
	}
}

// rowOf is the overview's table row of function.
func rowOf(t *testing.T, body, function string) string {
	t.Helper()
	i := strings.Index(body, `<td class="name">`+function)
	if i < 0 {
		t.Fatalf("the overview does not list %s:\n%s", function, body)
	}
	j := strings.Index(body[i:], "</tr>")
	return body[i : i+j]
}

// idTime is the time of a stream entry id.
func idTime(id string) time.Time {
	ms, _, _ := strings.Cut(id, "-")
	n, _ := strconv.ParseInt(ms, 10, 64)
	return time.UnixMilli(n)
}

// deref is *f, or -1 for nil.
func deref(f *float64) float64 {
	if f == nil {
		return -1
	}
	return *f
}
