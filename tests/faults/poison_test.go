package faults

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// poison is one bad entry and which functions must dead-letter it.
type poison struct {
	name   string
	fields map[string]any
	// malformed entries (not a well-formed event) are dead-lettered by
	// every function on the stream, before any type filter; an entry of a
	// known type with bad data only by the functions whose filter lets the
	// type through; an unknown type by none (every function's filter,
	// the projector's included, acks it unseen).
	malformed bool
	known     bool
}

// poisons are the bad entries added to each stream; knownType is a type of
// that stream that some function handles.
func poisons(knownType string) []poison {
	agg, _, _ := strings.Cut(knownType, ".")
	id := func() string { return uuid.NewString() }
	return []poison{
		{name: "no data", malformed: true, fields: map[string]any{"type": knownType, "event_id": id()}},
		{name: "data not an object", malformed: true, fields: map[string]any{"type": knownType, "event_id": id(), "data": "[1,2"}},
		{name: "no type", malformed: true, fields: map[string]any{"event_id": id(), "data": "{}"}},
		{name: "no event_id", malformed: true, fields: map[string]any{"type": knownType, "data": "{}"}},
		{name: "unknown type", fields: map[string]any{"type": agg + ".exploded", "event_id": id(), "data": `{"id":"x"}`, "entity_id": "x"}},
		{name: "missing fields", known: true, fields: map[string]any{"type": knownType, "event_id": id(), "data": "{}", "entity_id": "poison"}},
	}
}

// knownTypes is, per stream, a type with a handler whose data the poisons
// leave out.
var knownTypes = map[string][]string{
	"events:customer":  {model.CustomerCreated},
	"events:product":   {model.ProductCreated},
	"events:inventory": {model.InventoryCreated},
	"events:order":     {model.OrderCreated, model.OrderAccepted},
	"events:billing":   {model.BillingCreated},
	"events:mail":      {model.MailRequested, model.MailSent},
}

// TestPoisonEvents adds malformed entries, an unknown type and events with
// missing fields to every events:* stream: each is dead-lettered by exactly
// the functions that consume it (as runtime.ListFunctions describes them),
// with its origin, and the commands sent after it are fully reacted to.
func TestPoisonEvents(t *testing.T) {
	start := time.Now()
	_, procs, a, cat, smtp := faultShop(t)
	rdb := srv.Client(t)
	fns, err := runtime.ListFunctions(ctx(), rdb)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{} // function -> "stream entry-id" it must dead-letter
	added := 0
	for _, stream := range model.Streams() {
		for _, typ := range knownTypes[stream] {
			for _, p := range poisons(typ) {
				id, err := rdb.XAdd(ctx(), &redis.XAddArgs{Stream: stream, Values: p.fields}).Result()
				if err != nil {
					t.Fatal(err)
				}
				added++
				for _, f := range fns {
					if slices.Contains(f.Streams, stream) && (p.malformed || p.known && slices.Contains(f.Types, typ)) {
						want[f.Name] = append(want[f.Name], stream+" "+id)
					}
				}
			}
		}
	}
	for _, ids := range want {
		sort.Strings(ids)
	}
	// The events behind the poison flow on.
	b := &burst{Orders: 50, Workers: 4, Limit: 60 * time.Second, PayEvery: 5}
	b.run(a, cat)
	if len(b.failures) > 0 {
		t.Errorf("%d commands failed after the poison, e.g. %d %s", len(b.failures), b.failures[0].status, b.failures[0].body)
	}
	c := audit(t, rdb, smtp)
	if got := deadLettered(t, rdb); !cmp.Equal(want, got) {
		t.Errorf("dead letters (-want +got):\n%s", cmp.Diff(want, got))
	}
	for _, p := range procs {
		if !p.alive() {
			t.Errorf("%s exited", p.name)
		}
	}
	if ans := a.send(http.MethodGet, "/report", nil); ans.status != http.StatusOK {
		t.Errorf("GET /report = %d %s after the poison", ans.status, ans.body)
	}
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("%d poison entries XADDed to the 6 events:* streams (malformed, unknown type, missing fields), then %d orders", added, b.Orders)
	c.Note = fmt.Sprintf("dead letters per function: %s", summarize(want))
	record(t, start, c)
}

// deadLettered reads every dlq:<function> as function -> "stream entry-id"
// of the original entries, checking each carries its error.
func deadLettered(t testing.TB, rdb *redis.Client) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, fn := range reactions {
		entries, err := rdb.XRange(ctx(), runtime.DeadLetterStream(fn), "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Values["dlq_error"] == "" || e.Values["dlq_function"] != fn {
				t.Errorf("dead letter %s of %s: %v", e.ID, fn, e.Values)
			}
			out[fn] = append(out[fn], fmt.Sprint(e.Values["dlq_stream"], " ", e.Values["dlq_entry_id"]))
		}
		sort.Strings(out[fn])
	}
	return out
}

// summarize is "fn=n" for each function, sorted.
func summarize(m map[string][]string) string {
	var parts []string
	for fn, ids := range m {
		parts = append(parts, fmt.Sprintf("%s=%d", fn, len(ids)))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}
