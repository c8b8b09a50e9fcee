package faults

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/internal/testkit/smtptest"
)

const (
	// mailOutage is how long the SMTP server refuses every mail.
	mailOutage = 30 * time.Second
	// The mailer's retry budget: attempts 1..15 wait 0.5, 1, 2, then 4 s
	// each, 47.5 s in all (plus up to 25% jitter), more than mailOutage.
	mailerMaxAttempts = "15"
	mailerBackoffBase = "500ms"
	mailerBackoffMax  = "4s"
)

// TestMailOutage makes the SMTP server refuse every mail for 30 s (421 on
// connect, 451 to MAIL FROM or after DATA) while orders come in: the
// mailer retries with backoff, none is dead-lettered within its retry
// budget, and once the server is back every mail is delivered exactly once.
func TestMailOutage(t *testing.T) {
	start := time.Now()
	kit.Redis.FlushAll(t)
	smtp := smtptest.Start(t)
	s := newShop(t)
	s.FnEnv["mailer"] = []string{
		"SMTP_ADDR=" + smtp.Addr(), "MAX_ATTEMPTS=" + mailerMaxAttempts,
		"RETRY_BACKOFF_BASE=" + mailerBackoffBase, "RETRY_BACKOFF_MAX=" + mailerBackoffMax,
	}
	procs := s.StartAll()
	a := newAPI(t, procs[shopkit.Gateway].URL())
	cat := newCatalogue(t, a, 20, 10)
	before, _ := smtp.Stats()

	smtp.Fail(mailOutage)
	outageEnds := time.Now().Add(mailOutage)
	b := &burst{Orders: 100, Workers: 4, Limit: 60 * time.Second, PayEvery: 5}
	b.run(a, cat)
	if len(b.failures) > 0 {
		t.Errorf("%d commands failed, e.g. %d %s", len(b.failures), b.failures[0].status, b.failures[0].body)
	}
	waitFor(t, 2*mailOutage, func() bool { n, _ := smtp.Stats(); return n > before }, "a delivery after the outage")
	if first := time.Now(); first.Before(outageEnds) {
		t.Errorf("a mail was delivered %s before the outage ended", outageEnds.Sub(first))
	}
	rdb := kit.Redis.Client(t)
	c := audit(t, rdb, smtp)
	delivered, refused := smtp.Stats()
	recovered := time.Since(outageEnds)
	if c.DeadLettered > 0 {
		t.Errorf("%d dead letters, want none within the retry budget", c.DeadLettered)
	}
	if refused == 0 {
		t.Error("the SMTP server refused nothing: no outage happened")
	}
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("SMTP server answers 421/451 for %s during %d orders; mailer MAX_ATTEMPTS=%s, backoff %s doubling to %s",
		mailOutage, b.Orders, mailerMaxAttempts, mailerBackoffBase, mailerBackoffMax)
	c.Note = fmt.Sprintf("%d mail attempts refused; %d retries; %d mails delivered after the outage, all within %s of its end",
		refused, metric(t, procs["mailer"], "ordershop_events_retried_total"), delivered-before, recovered.Round(100*time.Millisecond))
	record(t, start, c)
}

// metric sums the samples of a counter on a process's /metrics.
func metric(t testing.TB, p *proc, name string) int {
	t.Helper()
	resp, err := http.Get(p.URL() + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics of %s: %v", p.Name, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, m := range regexp.MustCompile(`(?m)^`+name+`(?:\{.*\})? (\S+)$`).FindAllStringSubmatch(string(raw), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		sum += v
	}
	return int(sum)
}
