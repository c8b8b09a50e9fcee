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
	"github.com/ordershop/functions/runtime/partition"
)

// poison is one bad entry. Which functions "consume" it, and so must
// dead-letter it, follows the runtime's intake: an entry without a type or
// an event_id cannot be judged by any type filter, so every function on
// the stream dead-letters it; any other entry is first put through each
// function's type filter, and only the functions that let its type through
// look at it (and dead-letter bad data); the others ack it unseen, so an
// unknown type is acked by everyone, the projector included (its filter
// lists the types it projects).
type poison struct {
	name   string
	fields map[string]any
	// untyped marks an entry without a type or an event_id.
	untyped bool
}

// poisons are the bad entries added to each stream; knownType is a type of
// that stream that some function handles.
func poisons(knownType string) []poison {
	agg, _, _ := strings.Cut(knownType, ".")
	id := func() string { return uuid.NewString() }
	return []poison{
		{name: "no data", fields: map[string]any{"type": knownType, "event_id": id()}},
		{name: "data not an object", fields: map[string]any{"type": knownType, "event_id": id(), "data": "[1,2"}},
		{name: "no type", untyped: true, fields: map[string]any{"event_id": id(), "data": "{}"}},
		{name: "no event_id", untyped: true, fields: map[string]any{"type": knownType, "data": "{}"}},
		{name: "unknown type", fields: map[string]any{"type": agg + ".exploded", "event_id": id(), "data": `{"id":"x"}`, "entity_id": "x"}},
		{name: "missing fields", fields: map[string]any{"type": knownType, "event_id": id(), "data": "{}", "entity_id": "poison"}},
	}
}

// knownTypes is, per family, a type with a handler whose data the poisons
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
// missing fields to every events:* family (to the partition of their
// entity, "" for none): each is dead-lettered by exactly
// the functions that consume it (as runtime.ListFunctions describes them),
// with its origin, and the commands sent after it are fully reacted to.
func TestPoisonEvents(t *testing.T) {
	start := time.Now()
	_, procs, a, cat, smtp := faultShop(t)
	rdb := kit.Redis.Client(t)
	fns, err := runtime.ListFunctions(ctx(), rdb, model.RegistryKey)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{} // function -> "stream entry-id" it must dead-letter
	added := 0
	for _, family := range model.Streams() {
		fam, err := partition.Lookup(ctx(), rdb, family)
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range knownTypes[family] {
			for _, p := range poisons(typ) {
				entity, _ := p.fields["entity_id"].(string)
				stream := fam.StreamOf(entity) // where the gateway would put it
				id, err := rdb.XAdd(ctx(), &redis.XAddArgs{Stream: stream, Values: p.fields}).Result()
				if err != nil {
					t.Fatal(err)
				}
				added++
				for _, f := range fns {
					entryType, _ := p.fields["type"].(string)
					looks := p.untyped || len(f.Types) == 0 || slices.Contains(f.Types, entryType)
					if slices.Contains(f.Streams, stream) && looks {
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
		if !p.Alive() {
			t.Errorf("%s exited", p.Name)
		}
	}
	if ans := a.send(http.MethodGet, "/v1/report", nil); ans.status != http.StatusOK {
		t.Errorf("GET /report = %d %s after the poison", ans.status, ans.body)
	}
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("%d poison entries XADDed to the 6 events:* streams (malformed, unknown type, missing fields), then %d orders", added, b.Orders)
	c.Note = fmt.Sprintf("dead letters per function: %s", summarize(want))
	record(t, start, c)
}

// deadLettered reads every dlq:<function> as function -> "stream entry-id"
// of the original entries, checking each carries its error.
func deadLettered(t testing.TB, rdb redis.UniversalClient) map[string][]string {
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
