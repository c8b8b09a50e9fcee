package faults

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/readmodel"
	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// ledger compares the reactions the event log calls for with the ones
// that happened. A reaction is a key such as "verdict <order>" or
// "mail.sent thank_you <order>"; expected keys come from the commands in
// the log, seen keys (with how often) from the log, the read model, the
// stock and the SMTP server.
type ledger struct {
	expected map[string]bool
	seen     map[string]int
	// external counts SMTP deliveries by mail.requested event id.
	external map[string]int
	// units is the stock each product should have lost.
	units map[string]int
	// rejected lists orders the inventory function rejected.
	rejected []string
}

func newLedger() *ledger {
	return &ledger{expected: map[string]bool{}, seen: map[string]int{}, external: map[string]int{}, units: map[string]int{}}
}

// expectMail expects a mail of kind about subject to be requested, sent
// and recorded in the read model.
func (l *ledger) expectMail(kind, subject string) {
	for _, step := range []string{"mail.requested", "mail.sent", "mail.recorded"} {
		l.expected[step+" "+kind+" "+subject] = true
	}
}

// subjectOf is what a mail is about: its order, else its customer.
func subjectOf(m model.Mail) string {
	if m.OrderID != "" {
		return m.OrderID
	}
	return m.CustomerID
}

// readLog reads every partition of every events:* family into the ledger.
func (l *ledger) readLog(t testing.TB, rdb redis.UniversalClient) {
	t.Helper()
	entries, err := shopkit.Entries(ctx(), rdb)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		l.readEntry(t, e.XMessage)
	}
}

func (l *ledger) readEntry(t testing.TB, e redis.XMessage) {
	typ, _ := e.Values["type"].(string)
	data, _ := e.Values["data"].(string)
	var v struct {
		model.Mail
		ProductIDs []string `json:"product_ids"`
	}
	if err := json.Unmarshal([]byte(data), &v); err != nil || v.ID == "" && v.OrderID == "" {
		return // poison: nothing to react to
	}
	switch typ {
	case model.CustomerCreated:
		l.expectMail(model.MailWelcome, v.ID)
	case model.OrderCreated:
		for _, step := range []string{"verdict", "reserved", "status"} {
			l.expected[step+" "+v.ID] = true
		}
		l.expectMail(model.MailThankYou, v.ID)
		l.expectMail(model.MailPaymentRequest, v.ID)
		for _, p := range v.ProductIDs {
			l.units[p]++
		}
	case model.BillingCreated:
		l.expectMail(model.MailPaymentReceived, v.OrderID)
		l.expected["paid "+v.OrderID] = true
	case model.OrderAccepted:
		l.seen["verdict "+v.ID]++
	case model.OrderRejected:
		l.seen["verdict "+v.ID]++
		l.rejected = append(l.rejected, v.ID)
	case model.MailRequested:
		l.seen["mail.requested "+v.Kind+" "+subjectOf(v.Mail)]++
		l.external[e.Values["event_id"].(string)] += 0
	case model.MailSent:
		l.seen["mail.sent "+v.Kind+" "+subjectOf(v.Mail)]++
	}
}

// readModel reads the read model and the stock into the ledger.
func (l *ledger) readModel(t testing.TB, rdb redis.UniversalClient) {
	t.Helper()
	mails, err := rdb.HVals(ctx(), readmodel.MailsKey).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range mails {
		var m model.Mail
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("shop:mails value %s: %v", raw, err)
		}
		l.seen["mail.recorded "+m.Kind+" "+subjectOf(m)]++
	}
	status, err := rdb.HGetAll(ctx(), readmodel.OrderStatusKey).Result()
	if err != nil {
		t.Fatal(err)
	}
	for id, raw := range status {
		var s struct{ Status string }
		if json.Unmarshal([]byte(raw), &s) == nil && s.Status == model.StatusAccepted {
			l.seen["status "+id]++
		}
	}
	paid, err := rdb.HKeys(ctx(), readmodel.OrderPaidKey).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range paid {
		l.seen["paid "+id]++
	}
	pipe := rdb.Pipeline()
	cmds := map[string]*redis.StringCmd{}
	for key := range l.expected {
		var id string
		if _, err := fmt.Sscanf(key, "reserved %s", &id); err == nil {
			cmds[id] = pipe.HGet(ctx(), stock.OrderKey(id), "state")
		}
	}
	_, _ = pipe.Exec(ctx())
	for id, c := range cmds {
		if c.Val() == "reserved" {
			l.seen["reserved "+id]++
		}
	}
}

// stockDrift is the sum over products of |expected - actual| stock, and
// a line for each product that is off.
func (l *ledger) stockDrift(t testing.TB, rdb redis.UniversalClient) (int, []string) {
	t.Helper()
	levels, err := rdb.HGetAll(ctx(), stock.LevelsKey).Result()
	if err != nil {
		t.Fatal(err)
	}
	drift := 0
	var off []string
	for p, used := range l.units {
		have, _ := strconv.Atoi(levels[p])
		if d := initialStock - used - have; d != 0 {
			off = append(off, fmt.Sprintf("stock of %s = %d, want %d", p, have, initialStock-used))
			drift += max(d, -d)
		}
	}
	sort.Strings(off)
	return drift, off
}

// tally counts processed, duplicated and lost reactions into c and
// returns the keys of the lost reactions and of the unexpected ones (a
// reaction nothing asked for), sorted.
func (l *ledger) tally(c *counts) (lost, unexpected []string) {
	c.Expected = len(l.expected)
	for key := range l.expected {
		if n := l.seen[key]; n > 0 {
			c.Processed++
			c.Duplicated += n - 1
		} else {
			lost = append(lost, key)
		}
	}
	for key := range l.seen {
		if !l.expected[key] {
			unexpected = append(unexpected, key)
		}
	}
	c.Lost = len(lost)
	for _, n := range l.external {
		if n > 0 {
			c.Delivered++
		}
		if n > 1 {
			c.DeliveredTwice += n - 1
		}
	}
	sort.Strings(lost)
	sort.Strings(unexpected)
	return lost, unexpected
}

// exactlyOnce fails the test for every lost and every unexpected reaction
// (tally) and for every rejected order.
func (l *ledger) exactlyOnce(t testing.TB, lost, unexpected []string) {
	t.Helper()
	if len(lost) > 0 {
		t.Errorf("%d reactions lost, e.g. %v", len(lost), lost[:min(5, len(lost))])
	}
	if len(unexpected) > 0 {
		t.Errorf("%d unexpected reactions, e.g. %v", len(unexpected), unexpected[:min(5, len(unexpected))])
	}
	if len(l.rejected) > 0 {
		t.Errorf("%d orders rejected, want every order accepted: %v", len(l.rejected), l.rejected[:min(5, len(l.rejected))])
	}
}

// ordersInLog is the set of order ids with an order.created in the log.
func ordersInLog(t testing.TB, rdb redis.UniversalClient) map[string]bool {
	t.Helper()
	entries, err := shopkit.Entries(ctx(), rdb, model.Stream(model.AggOrder))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		if e.Values["type"] == model.OrderCreated {
			out[e.Values["entity_id"].(string)] = true
		}
	}
	return out
}
