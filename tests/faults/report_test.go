package faults

import (
	"encoding/json"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/internal/testkit/smtptest"
)

// counts are the figures one fault test measured; docs/reliability.md is
// made of them.
type counts struct {
	// Test and Fault name the test and what it injected.
	Test  string `json:"test"`
	Fault string `json:"fault"`
	// Sent is the number of commands the gateway answered 2xx.
	Sent int `json:"sent"`
	// Expected is the number of reactions the event log calls for;
	// Processed how many of them happened, Duplicated how many extra
	// times, Lost how many never.
	Expected   int `json:"expected"`
	Processed  int `json:"processed"`
	Duplicated int `json:"duplicated"`
	Lost       int `json:"lost"`
	// DeadLettered is the number of entries in dlq:<function>, all
	// functions together.
	DeadLettered int `json:"dead_lettered"`
	// Delivered is the number of mails the SMTP server accepted (0 when
	// the test used none); DeliveredTwice the extra copies, which
	// at-least-once delivery allows only when the mailer died between
	// sending and committing (same Message-ID).
	Delivered      int `json:"delivered,omitempty"`
	DeliveredTwice int `json:"delivered_twice,omitempty"`
	// StockDrift is the sum of |expected - actual| stock units.
	StockDrift int `json:"stock_drift"`
	// Seconds is the test's duration.
	Seconds float64 `json:"seconds"`
	// Note holds test-specific figures.
	Note string `json:"note,omitempty"`
}

// audit settles the shop and measures it (measure), then checks
// exactly-once: nothing lost, nothing duplicated, nothing unexpected, every
// mail delivered, no stock drift, nothing pending.
func audit(t testing.TB, rdb redis.UniversalClient, smtp *smtptest.Server) counts {
	t.Helper()
	shopkit.Settle(t, rdb, 60*time.Second)
	c, f := measure(t, rdb, smtp)
	f.l.exactlyOnce(t, f.lost, f.unexpected)
	for _, id := range f.undelivered {
		t.Errorf("mail %s never delivered over SMTP", id)
	}
	for _, o := range f.off {
		t.Error(o)
	}
	if f.pending > 0 {
		t.Errorf("%d entries still pending", f.pending)
	}
	if c.Duplicated > 0 {
		t.Errorf("%d reactions duplicated", c.Duplicated)
	}
	return c
}

// findings are what measure found besides the counts.
type findings struct {
	l *ledger
	// lost and unexpected are the keys of the reactions lost and of those
	// nothing asked for (ledger.tally).
	lost, unexpected []string
	// undelivered are the mail.requested event ids the SMTP server never
	// got.
	undelivered []string
	// off has a line for each product whose stock is not what the log
	// calls for.
	off []string
	// pending is the sum of XPENDING over the log.
	pending int64
}

// measure reads the log, the read model, the stock, the dead letters and,
// if smtp is set, the deliveries into counts, and returns them with what
// it found, asserting nothing: the caller decides what must hold.
func measure(t testing.TB, rdb redis.UniversalClient, smtp *smtptest.Server) (counts, findings) {
	t.Helper()
	f := findings{l: newLedger()}
	f.l.readLog(t, rdb)
	f.l.readModel(t, rdb)
	var c counts
	if smtp != nil {
		for id := range f.l.external {
			f.l.external[id] = smtp.Deliveries("<mailer." + id + "@ordershop>")
			if f.l.external[id] == 0 {
				f.undelivered = append(f.undelivered, id)
			}
		}
		sort.Strings(f.undelivered)
	} else {
		clear(f.l.external)
	}
	f.lost, f.unexpected = f.l.tally(&c)
	c.StockDrift, f.off = f.l.stockDrift(t, rdb)
	for _, n := range deadLetters(t, rdb) {
		c.DeadLettered += int(n)
	}
	f.pending = pendingTotal(t, rdb)
	return c, f
}

// record logs c in a fixed format and, when RELIABILITY_REPORT names a
// file, appends it there as a JSON line.
func record(t testing.TB, start time.Time, c counts) {
	t.Helper()
	c.Test = t.Name()
	c.Seconds = time.Since(start).Round(100 * time.Millisecond).Seconds()
	t.Logf("reliability: test=%s fault=%q sent=%d expected=%d processed=%d duplicated=%d lost=%d dead_lettered=%d delivered=%d delivered_twice=%d stock_drift=%d seconds=%.1f note=%q",
		c.Test, c.Fault, c.Sent, c.Expected, c.Processed, c.Duplicated, c.Lost, c.DeadLettered,
		c.Delivered, c.DeliveredTwice, c.StockDrift, c.Seconds, c.Note)
	path := os.Getenv("RELIABILITY_REPORT")
	if path == "" {
		return
	}
	line, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatalf("RELIABILITY_REPORT: %v", err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		t.Fatalf("RELIABILITY_REPORT: %v", err)
	}
}
