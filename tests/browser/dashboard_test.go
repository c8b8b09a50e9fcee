package browser

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/internal/testkit/smtptest"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/partition"
)

// adminToken logs the browser in; it must never show in a page.
const adminToken = "browser-test-admin-token-0123456789"

// deadCell is a JavaScript expression: the text of the dead-letter count
// of function fn on the overview, null if fn has no row.
func deadCell(fn string) string {
	return `(() => { for (const tr of document.querySelectorAll('table.functions tbody tr')) {
		const name = tr.querySelector('td.name'); if (name && name.textContent.trim().split(/\s/)[0] === ` + js(fn) + `)
		return tr.querySelector('td.dead').textContent.trim(); } return null; })()`
}

// rows is a JavaScript expression: the number of dead letters listed.
const rows = `document.querySelectorAll('table.deadletters tbody tr[data-id]').length`

// TestDashboardInABrowser walks the dashboard as an operator does, in
// headless chromium, against the whole shop: the mailer's SMTP server is
// down, so the welcome mail of a new customer is dead-lettered; a
// malformed event is dead-lettered too.
func TestDashboardInABrowser(t *testing.T) {
	r := redistest.New(t, redistest.Options{})
	rdb := r.Client(t)
	smtp := smtptest.Start(t)
	smtp.Fail(time.Hour)
	s := shopkit.NewShop(t, kit.Bin, "REDIS_URL="+r.URL(), "ADMIN_TOKEN="+adminToken, "DASHBOARD_SAMPLE_EVERY=1s")
	s.FnEnv[model.FunctionMailer] = []string{"SMTP_ADDR=" + smtp.Addr(), "MAX_ATTEMPTS=2",
		"RETRY_BACKOFF_BASE=100ms", "RETRY_BACKOFF_MAX=200ms", "RETRY_POLL_INTERVAL=100ms"}
	procs := s.StartAll()
	base := procs[shopkit.Gateway].URL() + "/admin/ui"
	b := newBrowser(t, 1280, 900)
	b.secret = adminToken // every page opened is checked for it

	// A wrong token is refused: the login form again, no session.
	if resp := b.open(base + "/"); !strings.HasSuffix(resp.URL, "/admin/ui/login") {
		t.Fatalf("GET /admin/ui/ without a session ended at %s, want the login form", resp.URL)
	}
	b.fill("#token", "not-"+adminToken)
	if resp := b.submit("form.login button"); resp.Status != http.StatusUnauthorized {
		t.Errorf("login with a wrong token = %d, want 401", resp.Status)
	}
	if resp := b.open(base + "/"); !strings.HasSuffix(resp.URL, "/admin/ui/login") {
		t.Fatalf("after a wrong token GET /admin/ui/ ended at %s, want the login form", resp.URL)
	}
	// The right token: the overview lists every function of the shop.
	b.fill("#token", adminToken)
	if resp := b.submit("form.login button"); resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/admin/ui/") {
		t.Fatalf("login = %d at %s, want the overview", resp.Status, resp.URL)
	}
	b.waitJS("every function on the overview", fmt.Sprintf(`document.querySelectorAll('table.functions td.name').length >= %d`, len(model.Functions())))
	listed := eval[[]string](b, `[...document.querySelectorAll('table.functions td.name')].map(td => td.textContent.trim().split(/\s/)[0])`)
	for _, fn := range model.Functions() {
		if !slices.Contains(listed, fn) {
			t.Errorf("overview lists %v, want %s among them", listed, fn)
		}
	}

	// Traffic for the chart: products, which only the projector reads,
	// over a few of the dashboard's samples (one a second here).
	history := model.DashboardKeyPrefix + ":history:" + model.FunctionProjector
	deadline := time.Now().Add(stepTimeout)
	for i := 0; ; i++ {
		if _, err := s.Client().Create("/products", map[string]any{"name": fmt.Sprintf("P%d", i), "price": 100 + i}); err != nil {
			t.Fatal(err)
		}
		if n, _ := rdb.XLen(context.Background(), history).Result(); n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway's dashboard wrote fewer than 4 samples to %s in %s", history, stepTimeout)
		}
		time.Sleep(100 * time.Millisecond) // pacing the traffic, not waiting for a condition
	}
	b.open(base + "/")
	b.chart(model.FunctionProjector)

	// A malformed event shows up on the CRM's dead-letter page while it
	// is open: no reload (the marker set in the page survives).
	crm := base + "/functions/" + model.FunctionCRM + "/dead-letters"
	b.open(crm)
	if n := eval[int](b, rows); n != 0 {
		t.Fatalf("the CRM lists %d dead letters before any, want 0", n)
	}
	b.waitJS("the live stream of dead letters", `document.querySelector('table.deadletters[data-live-state="open"]') !== null`)
	eval[bool](b, `window.notReloaded = true`)
	bad := map[string]any{"type": model.CustomerCreated, "event_id": "browser-malformed-1", "entity_id": "c-browser", "data": "{not json"}
	fam, err := partition.Lookup(context.Background(), rdb, model.Stream(model.AggCustomer))
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: fam.StreamOf("c-browser"), Values: bad}).Err(); err != nil {
		t.Fatal(err)
	}
	b.waitJS("the malformed event in the CRM's dead letters, without a reload", rows+` === 1`)
	if !eval[bool](b, `window.notReloaded === true`) {
		t.Error("the page was reloaded to show the dead letter")
	}
	if total := strings.TrimSpace(b.text("#dead-total")); total != "1" {
		t.Errorf("the dead-letter total says %q, want 1", total)
	}
	errText := b.text("table.deadletters tbody tr[data-id] td.error")
	t.Logf("the malformed event's error: %s", errText)

	// Search by a word of its error: found; by another text: not.
	f := strings.Fields(errText)
	word := strings.Join(f[max(len(f)-3, 0):], " ") // "a JSON object"
	b.fill(`form.search input[name="error"]`, word)
	b.submit(`form.search button[type="submit"]`)
	if n := eval[int](b, rows); n != 1 {
		t.Errorf("search for %q lists %d dead letters, want 1", word, n)
	}
	b.fill(`form.search input[name="error"]`, "no such error text")
	b.submit(`form.search button[type="submit"]`)
	if n := eval[int](b, rows); n != 0 || !strings.Contains(b.text("main"), "No dead letters match") {
		t.Errorf("search for another text lists %d dead letters, want none", n)
	}

	// Open it: the detail shows the original fields.
	b.open(crm)
	b.submit(`table.deadletters tbody tr[data-id] a`) // the link to the detail
	detail := b.text("main")
	for _, want := range []string{"browser-malformed-1", "c-browser", "{not json", model.CustomerCreated} {
		if !strings.Contains(detail, want) {
			t.Errorf("the dead letter's page does not show %q:\n%s", want, detail)
		}
	}

	// A POST without the CSRF token is refused, even with the session.
	status := eval[int](b, `fetch(`+js(base+"/functions/"+model.FunctionCRM+"/purge")+`, {method: 'POST', body: new URLSearchParams({all: '1', confirm: 'yes'})}).then(r => r.status)`)
	if status != http.StatusForbidden {
		t.Errorf("POST purge without the CSRF token = %d, want 403", status)
	}
	insp := inspect.New(rdb, inspect.WithRegistryKey(model.RegistryKey))
	if n, err := insp.CountDeadLetters(context.Background(), model.FunctionCRM, inspect.DeadLetterFilter{}); err != nil || n != 1 {
		t.Errorf("after the refused POST the CRM has %d dead letters (%v), want 1", n, err)
	}

	// Purge it, after the confirmation that shows the count.
	b.open(crm)
	b.submit(`.bulk button.purge`)
	if h := b.text("h1"); !strings.Contains(h, "purge 1 dead letter") {
		t.Errorf("purge confirmation says %q, want the count (1)", h)
	}
	// Purging all that match runs as a job: its page shows the progress
	// until it is done.
	b.submit(`main form button.purge`)
	job := eval[string](b, `location.href`)
	if !strings.Contains(job, "/jobs/") {
		t.Fatalf("the confirmed purge of all that match led to %s, want its job's page", job)
	}
	b.reloadUntil("the purge job done", job, `(document.querySelector('#job-state') || {}).textContent === 'done'`)
	if done, total := b.text("#job-done"), b.text("#job-total"); done != "1" || total != "1" {
		t.Errorf("the purge job did %s of %s, want 1 of 1", done, total)
	}
	b.open(crm)
	if n := eval[int](b, rows); n != 0 {
		t.Errorf("after the purge the CRM lists %d dead letters, want 0", n)
	}

	// The welcome mail of a new customer fails while SMTP is down and is
	// dead-lettered after MAX_ATTEMPTS=2.
	bea, err := s.Client().Create("/customers", map[string]any{"name": "Bea", "email": "bea@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	b.open(base + "/")
	b.waitJS("the overview's live counts", `document.querySelector('table.functions[data-live-state="open"]') !== null`)
	b.waitJS("the mailer's dead letter on the overview, without a reload", deadCell(model.FunctionMailer)+` === '1'`)
	b.chart(model.FunctionProjector)
	b.screenshot("dashboard-overview.png")
	mailer := base + "/functions/" + model.FunctionMailer + "/dead-letters"
	b.open(mailer)
	b.screenshot("dashboard-dead-letters.png")

	// SMTP is back: replay the selected dead letter; the count falls to 0
	// and the mail is delivered.
	smtp.Fail(0)
	step(b, "select the dead letter", chromedp.Click(chromedp.CSS(`table.deadletters tbody input[type="checkbox"]`)))
	b.submit(`form#selected button[type="submit"]:not(.purge)`)
	if h := b.text("h1"); !strings.Contains(h, "replay 1 dead letter") {
		t.Errorf("replay confirmation says %q, want the count (1)", h)
	}
	b.submit(`main form button.replay`)
	if !strings.Contains(b.text("main"), "Replayed 1") {
		t.Errorf("replay result: %s", b.text("main"))
	}
	b.open(base + "/")
	b.waitJS("the overview's live counts", `document.querySelector('table.functions[data-live-state="open"]') !== null`)
	b.waitJS("the mailer's dead letters down to 0, without a reload", deadCell(model.FunctionMailer)+` === '0'`)
	redistest.Eventually(t, 10*time.Second, func() bool { n, _ := smtp.Stats(); return n == 1 }, "the replayed mail delivered")

	// Bea's page: her event and the reactions it caused, by causation id:
	// the CRM's mail.requested, and under it the mailer's mail.sent (after
	// the replay).
	b.open(base + "/entities/" + model.AggCustomer + "/" + bea[0])
	b.waitJS("Bea's event", `document.querySelector('li.event[data-event-id]') !== null`)
	chain := eval[[]string](b, `[...document.querySelectorAll('li.event li.reaction')].map(li => li.textContent)`)
	under := eval[[]string](b, `[...document.querySelectorAll('li.event li.reaction li.reaction')].map(li => li.textContent)`)
	if len(chain) != 2 || !strings.Contains(chain[0], model.MailRequested) || len(under) != 1 || !strings.Contains(under[0], model.MailSent) {
		t.Errorf("Bea's page shows the reactions %q (%q nested), want %s and under it %s", chain, under, model.MailRequested, model.MailSent)
	}

	// The live events page: a new product shows up without a reload,
	// filtered by type.
	b.open(base + "/events?type=" + model.ProductCreated)
	b.waitJS("the live stream of events", `document.querySelector('table.events[data-live-state="open"]') !== null`)
	before := eval[int](b, `document.querySelectorAll('table.events tbody tr[data-id]').length`)
	if _, err := s.Client().Create("/customers", map[string]any{"name": "Cy", "email": "cy@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client().Create("/products", map[string]any{"name": "Live", "price": 7}); err != nil {
		t.Fatal(err)
	}
	b.waitJS("the new product on the events page", fmt.Sprintf(`document.querySelectorAll('table.events tbody tr[data-id]').length === %d`, before+1))
	if txt := b.text("table.events tbody tr[data-id]"); !strings.Contains(txt, model.ProductCreated) {
		t.Errorf("the newest event row is %q, want a %s (the customer is filtered out)", txt, model.ProductCreated)
	}

	// On a phone's width the pages fit: wide tables scroll in their box,
	// the page itself does not.
	step(b, "phone viewport", chromedp.EmulateViewport(390, 844))
	for _, page := range []string{base + "/", mailer, base + "/events"} {
		b.open(page)
		if w := eval[[]int](b, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
			t.Errorf("%s on a 390 px screen is %d px wide", page, w[0])
		}
	}

}

// chart picks fn in the overview's chart and waits until uPlot has drawn
// its history (a canvas in the chart's box, and no "no history" note).
func (b *browser) chart(fn string) {
	b.t.Helper()
	eval[bool](b, `(() => { const s = document.querySelector('#history-function'); s.value = `+js(fn)+`;
		s.dispatchEvent(new Event('change')); return true; })()`)
	b.waitJS("the chart of "+fn, `document.querySelector('#history-chart canvas') !== null && document.querySelector('#history-status').hidden`)
}
