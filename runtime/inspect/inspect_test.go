package inspect_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops/opstest"
	"github.com/ordershop/functions/runtime/runtimetest"
)

func TestInspectorFunctionsAreTheRegistryAndTheDeadLetterStreams(t *testing.T) {
	rdb, ctx := newRedis(t)
	registered, orphan := opstest.Unique("billing"), opstest.Unique("retired")
	opstest.Register(t, rdb, runtime.DefaultRegistryKey, runtime.FunctionInfo{Name: registered, Group: registered, Streams: []string{"events:order"}})
	opstest.Seed(t, rdb, orphan, opstest.DeadLetter{Stream: "events:order", EntryID: "1-1", Type: "t", EventID: "x", Data: "{}", Error: "e", Attempts: 1, Failed: time.Now()})
	insp := inspect.New(rdb)

	fns, err := insp.Functions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]inspect.KnownFunction{}
	for i, f := range fns {
		byName[f.Name] = f
		if i > 0 && fns[i-1].Name >= f.Name {
			t.Errorf("functions not sorted by name: %q before %q", fns[i-1].Name, f.Name)
		}
	}
	if f := byName[registered]; !f.Registered || f.Info.Streams[0] != "events:order" {
		t.Errorf("registered function: %+v", f)
	}
	if f, ok := byName[orphan]; !ok || f.Registered {
		t.Errorf("function known by its dead letters only: %+v (listed %v)", f, ok)
	}
	t.Run("one function", func(t *testing.T) {
		if f, err := insp.Function(ctx, orphan); err != nil || f.Registered || f.Name != orphan {
			t.Fatalf("Function(%s) = %+v, %v", orphan, f, err)
		}
		if _, err := insp.Function(ctx, "no-such-function"); !errors.Is(err, inspect.ErrNotFound) {
			t.Fatalf("unknown function: %v, want ErrNotFound", err)
		}
		if _, err := insp.Function(ctx, ""); !errors.Is(err, inspect.ErrInvalid) {
			t.Fatalf("empty name: %v, want ErrInvalid", err)
		}
		if _, err := insp.FunctionStatus(ctx, "no-such-function"); !errors.Is(err, inspect.ErrNotFound) {
			t.Fatalf("status of an unknown function: %v, want ErrNotFound", err)
		}
		if st, err := insp.FunctionStatus(ctx, orphan); err != nil || st.Dead != 1 || st.Registered {
			t.Fatalf("status of %s: %+v, %v", orphan, st, err)
		}
	})
	t.Run("another registry key", func(t *testing.T) {
		key, other := opstest.Unique("registry"), opstest.Unique("elsewhere")
		must(t, rdb.HSet(ctx, key, other, `{"name":"`+other+`"}`).Err())
		fns, err := inspect.New(rdb, inspect.WithRegistryKey(key)).Functions(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, f := range fns {
			seen[f.Name] = f.Registered
		}
		if !seen[other] || seen[registered] {
			t.Fatalf("registry %s: %+v", key, fns)
		}
	})
}

// seedVaried writes n dead letters of function: even ones of type
// "order.created" failing with "payment API: 503", odd ones
// "order.updated" with "Bad Total", the i-th failed at t0+i minutes.
func seedVaried(t *testing.T, rdb redis.UniversalClient, function string, n int, t0 time.Time) []string {
	t.Helper()
	var ids []string
	for i := range n {
		dl := opstest.DeadLetter{Stream: "events:order", EntryID: "1-" + strconv.Itoa(i), Type: "order.created", EventID: "e" + strconv.Itoa(i),
			Data: "{}", Error: "payment API: 503", Attempts: 1, Failed: t0.Add(time.Duration(i) * time.Minute)}
		if i%2 == 1 {
			dl.Type, dl.Error = "order.updated", "Bad Total"
		}
		ids = append(ids, opstest.Seed(t, rdb, function, dl))
	}
	return ids
}

func TestInspectorDeadLettersPageAndFilter(t *testing.T) {
	rdb, ctx := newRedis(t)
	fn := opstest.Unique("billing")
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	ids := seedVaried(t, rdb, fn, 7, t0)
	insp := inspect.New(rdb)
	pageIDs := func(p inspect.DeadLetterPage) []string {
		var out []string
		for _, dl := range p.DeadLetters {
			out = append(out, dl.ID)
		}
		return out
	}

	t.Run("oldest first, page by page", func(t *testing.T) {
		var got []string
		q := inspect.DeadLetterQuery{Limit: 3}
		for range 3 {
			p, err := insp.DeadLetters(ctx, fn, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, pageIDs(p)...)
			if q.After = p.Next; p.Next == "" {
				break
			}
		}
		if q.After != "" || !slices.Equal(got, ids) {
			t.Fatalf("pages gave %v (last next %q), want %v", got, q.After, ids)
		}
	})
	t.Run("newest first", func(t *testing.T) {
		p, err := insp.DeadLetters(ctx, fn, inspect.DeadLetterQuery{Newest: true, Limit: 2})
		if err != nil || !slices.Equal(pageIDs(p), []string{ids[6], ids[5]}) || p.Next != ids[5] {
			t.Fatalf("newest page %v next %q, %v", pageIDs(p), p.Next, err)
		}
		p, err = insp.DeadLetters(ctx, fn, inspect.DeadLetterQuery{Newest: true, Limit: 2, After: p.Next})
		if err != nil || !slices.Equal(pageIDs(p), []string{ids[4], ids[3]}) {
			t.Fatalf("second newest page %v, %v", pageIDs(p), err)
		}
	})
	filters := []struct {
		name string
		f    inspect.DeadLetterFilter
		want []string
	}{
		{"by type", inspect.DeadLetterFilter{Type: "order.updated"}, []string{ids[1], ids[3], ids[5]}},
		{"by error text, any case", inspect.DeadLetterFilter{ErrorContains: "bad total"}, []string{ids[1], ids[3], ids[5]}},
		{"by time range", inspect.DeadLetterFilter{Since: t0.Add(2 * time.Minute), Until: t0.Add(5 * time.Minute)}, []string{ids[2], ids[3], ids[4]}},
		{"all of them at once", inspect.DeadLetterFilter{Type: "order.created", ErrorContains: "503", Since: t0.Add(time.Minute)}, []string{ids[2], ids[4], ids[6]}},
		{"nothing matches", inspect.DeadLetterFilter{Type: "nope"}, nil},
	}
	for _, c := range filters {
		t.Run(c.name, func(t *testing.T) {
			p, err := insp.DeadLetters(ctx, fn, inspect.DeadLetterQuery{Filter: c.f})
			if err != nil || !slices.Equal(pageIDs(p), c.want) || p.Scanned != 7 {
				t.Fatalf("filtered page %v (scanned %d), %v; want %v", pageIDs(p), p.Scanned, err, c.want)
			}
			n, err := insp.CountDeadLetters(ctx, fn, c.f)
			if err != nil || n != int64(len(c.want)) {
				t.Fatalf("count %d, %v; want %d", n, err, len(c.want))
			}
		})
	}
	t.Run("by id", func(t *testing.T) {
		found, missing, err := insp.DeadLettersByID(ctx, fn, []string{ids[3], "1-1", ids[3], ids[0]})
		if err != nil || len(found) != 2 || found[0].ID != ids[3] || found[1].ID != ids[0] || !slices.Equal(missing, []string{"1-1"}) {
			t.Fatalf("by id: %v missing %v, %v", found, missing, err)
		}
	})
	t.Run("bad requests", func(t *testing.T) {
		if _, err := insp.DeadLetters(ctx, fn, inspect.DeadLetterQuery{After: "1700000000000"}); !errors.Is(err, inspect.ErrInvalid) {
			t.Errorf("malformed cursor: %v, want ErrInvalid", err)
		}
		if _, err := insp.DeadLetters(ctx, "no-such-function", inspect.DeadLetterQuery{}); !errors.Is(err, inspect.ErrNotFound) {
			t.Errorf("unknown function: %v, want ErrNotFound", err)
		}
		if _, err := insp.CountDeadLetters(ctx, "no-such-function", inspect.DeadLetterFilter{}); !errors.Is(err, inspect.ErrNotFound) {
			t.Errorf("count of an unknown function: %v, want ErrNotFound", err)
		}
	})
}

func TestDeadLetterJSONIsTheDocumentedShape(t *testing.T) {
	rdb := srv.Client(t)
	fn := opstest.Unique("crm")
	at := time.Date(2026, 11, 28, 9, 23, 11, 650803219, time.UTC)
	id := opstest.Seed(t, rdb, fn, opstest.DeadLetter{Stream: "events:order", EntryID: "1-0", Type: "order.created", EventID: "hand-written-1",
		Data: `{"customer_id": "nobody",`, Error: "malformed event", Attempts: 1, Failed: at})
	must(t, rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: runtime.DeadLetterStream(fn), ID: "9999999999999-0", Values: map[string]any{"type": "t"}}).Err())
	insp := inspect.New(rdb, inspect.WithEntityField(opstest.EntityField))
	p, err := insp.DeadLetters(context.Background(), fn, inspect.DeadLetterQuery{})
	if err != nil || len(p.DeadLetters) != 2 {
		t.Fatalf("dead letters %+v, %v", p, err)
	}
	b, _ := json.Marshal(p.DeadLetters)
	want := `[{"id":"` + id + `","function":"` + fn + `","stream":"events:order","entry_id":"1-0","type":"order.created","event_id":"hand-written-1",` +
		`"error":"malformed event","attempts":1,"permanent":false,"first_failure":"2026-11-28T09:23:11.650803219Z","last_failure":"2026-11-28T09:23:11.650803219Z",` +
		`"raw_data":"{\"customer_id\": \"nobody\",","fields":{}},` +
		`{"id":"9999999999999-0","function":"","stream":"","entry_id":"","type":"t","event_id":"","error":"","attempts":0,"permanent":false,` +
		`"first_failure":"0001-01-01T00:00:00Z","last_failure":"0001-01-01T00:00:00Z","fields":{},` +
		`"malformed":"dead letter 9999999999999-0: missing dlq_function, dlq_stream or dlq_entry_id"}]`
	if string(b) != want {
		t.Fatalf("JSON\n got %s\nwant %s", b, want)
	}
	if got := p.DeadLetters[1].FailedAt(); !got.Equal(time.UnixMilli(9999999999999)) {
		t.Errorf("a malformed dead letter failed at %v, want its id's time", got)
	}
}

func TestInspectorStreamPosition(t *testing.T) {
	rdb, ctx := newRedis(t)
	stream := opstest.Unique("events:order")
	insp := inspect.New(rdb)
	if pos, err := insp.Stream(ctx, stream); err != nil || pos.Exists || pos.Length != 0 || pos.LastID != "" {
		t.Fatalf("missing stream: %+v, %v", pos, err)
	}
	first := opstest.Publish(t, rdb, stream, "order.created", "e1", "o1", map[string]int{})
	opstest.Publish(t, rdb, stream, "order.created", "e2", "o2", map[string]int{})
	last := opstest.Publish(t, rdb, stream, "order.created", "e3", "o3", map[string]int{})
	pos, err := insp.Stream(ctx, stream)
	if err != nil || !pos.Exists || pos.Length != 3 || pos.FirstID != first || pos.LastID != last {
		t.Fatalf("position %+v, %v; want 3 entries from %s to %s", pos, err, first, last)
	}
	positions, err := insp.Positions(ctx, stream)
	if err != nil || positions[stream] != last {
		t.Fatalf("Positions = %v, %v; want %s at %s", positions, err, stream, last)
	}
	fn := opstest.Unique("reader")
	must(t, rdb.XGroupCreate(ctx, stream, fn, "0").Err())
	if ok, err := insp.CaughtUp(ctx, fn, positions); err != nil || ok {
		t.Fatalf("a group that read nothing: caught up %v, %v", ok, err)
	}
	must(t, rdb.XGroupSetID(ctx, stream, fn, last).Err())
	if ok, err := insp.CaughtUp(ctx, fn, positions); err != nil || !ok {
		t.Fatalf("a group delivered up to the end, nothing pending: caught up %v, %v", ok, err)
	}
}

func TestInspectorEventsAreDecodedOnce(t *testing.T) {
	rdb, ctx := newRedis(t)
	stream := opstest.Unique("events:order")
	at := "2025-03-01T10:00:00Z"
	id := opstest.Publish(t, rdb, stream, "order.created", "e1", "o1", map[string]int{"qty": 1})
	must(t, rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: map[string]any{"type": "order.updated", "data": "not json", "time": at, "extra": "x"}}).Err())
	var got []inspect.Event
	insp := inspect.New(rdb, inspect.WithEntityField(opstest.EntityField), inspect.WithTimeField("time"))
	if err := insp.EachEvent(ctx, stream, func(e inspect.Event) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d events, want 2", len(got))
	}
	if e := got[0]; e.EntryID != id || e.EntityID != "o1" || string(e.Data) != `{"qty":1}` || len(e.Fields) != 0 ||
		!e.Time.Equal(mustParse(t, id).Time()) {
		t.Errorf("first event %+v", e)
	}
	if e := got[1]; e.RawData != "not json" || e.Data != nil || e.Time.Format(time.RFC3339) != at || len(e.Fields) != 1 || e.Fields["extra"] != "x" {
		t.Errorf("second event %+v", e)
	}
	if err := insp.EachEvent(ctx, opstest.Unique("events:none"), func(inspect.Event) error { return nil }); !errors.Is(err, inspect.ErrNotFound) {
		t.Errorf("missing stream: %v, want ErrNotFound", err)
	}
}

func mustParse(t *testing.T, id string) runtime.StreamID {
	t.Helper()
	sid, err := runtime.ParseStreamID(id)
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

func TestStatusCountsLagPendingRetryingAndDead(t *testing.T) {
	rdb, ctx := newRedis(t)
	fn, stream := opstest.Unique("projector"), opstest.Unique("events:product")
	// A registered function whose group has read one of three entries.
	opstest.Register(t, rdb, runtime.DefaultRegistryKey, runtime.FunctionInfo{Name: fn, Group: fn, Streams: []string{stream}, MaxAttempts: 5})
	for i := range 3 {
		opstest.Publish(t, rdb, stream, "product.created", "p"+string(rune('0'+i)), "p", map[string]int{})
	}
	runtimetest.ReadUnacked(t, rdb, stream, fn, "host-1", 1)
	// One retry waiting, two dead letters.
	c := asynq.NewClientFromRedisClient(rdb)
	if _, err := c.Enqueue(asynq.NewTask("retry:"+fn, []byte("{}")), asynq.Queue(runtime.RetryQueue(fn)), asynq.ProcessIn(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		opstest.Seed(t, rdb, fn, opstest.DeadLetter{Stream: stream, EntryID: "1-1", Type: "t", EventID: "x", Data: "{}", Error: "e", Attempts: 5, Failed: time.Now()})
	}
	orphan := opstest.Unique("retired")
	opstest.Seed(t, rdb, orphan, opstest.DeadLetter{Stream: stream, EntryID: "1-1", Type: "t", EventID: "x", Data: "{}", Error: "e", Attempts: 1, Failed: time.Now()})

	st, err := inspect.New(rdb).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]inspect.FunctionStatus{}
	for _, f := range st {
		byName[f.Name] = f
	}
	f, ok := byName[fn]
	if !ok {
		t.Fatalf("%s missing from status", fn)
	}
	if !f.Registered || f.Lag == nil || *f.Lag != 2 || f.Pending != 1 || f.Retrying != 1 || f.Dead != 2 {
		t.Errorf("status registered=%v lag=%v pending=%d retrying=%d dead=%d; want true 2 1 1 2",
			f.Registered, deref(f.Lag), f.Pending, f.Retrying, f.Dead)
	}
	if len(f.Streams) != 1 || f.Streams[0].Length != 3 || len(f.Streams[0].Consumers) != 1 ||
		f.Streams[0].Consumers[0].Name != "host-1" || f.Streams[0].Consumers[0].Pending != 1 {
		t.Errorf("stream status %+v", f.Streams)
	}
	if o, ok := byName[orphan]; !ok || o.Registered || o.Dead != 1 {
		t.Errorf("a function known only by its dead letters: %+v (found %v)", o, ok)
	}
	if _, err := json.Marshal(st); err != nil {
		t.Fatal(err)
	}
}

func TestStatusOfAStreamWithoutTheGroup(t *testing.T) {
	rdb, ctx := newRedis(t)
	fn := opstest.Unique("new")
	opstest.Register(t, rdb, runtime.DefaultRegistryKey, runtime.FunctionInfo{Name: fn, Group: fn, Streams: []string{opstest.Unique("events:none")}})
	st, err := inspect.New(rdb).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range st {
		if f.Name == fn && (f.Streams[0].GroupExists || f.Streams[0].Lag != nil || f.Lag != nil) {
			t.Fatalf("status of a missing stream: %+v", f)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestPurge(t *testing.T) {
	rdb, ctx := newRedis(t)
	fn := opstest.Unique("mailer")
	var ids []string
	for i := range 5 {
		ids = append(ids, opstest.Seed(t, rdb, fn, opstest.DeadLetter{
			Stream: "events:mail", EntryID: "1-" + string(rune('0'+i)), Type: "mail.requested", EventID: "m", Data: "{}",
			Error: "smtp: 421", Attempts: 5, Failed: time.Now(),
		}))
	}
	o := inspect.New(rdb)

	res, err := o.Purge(ctx, fn, inspect.Selection{IDs: []string{ids[0], ids[1], ids[1], "1-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inspect.PurgeResult{Function: fn, Purged: 2, NotFound: []string{"1-1"}}, res); diff != "" {
		t.Errorf("purge by id (-want +got):\n%s", diff)
	}
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 3 {
		t.Fatalf("%d left after purging 2 of 5", n)
	}
	res, err = o.Purge(ctx, fn, inspect.Selection{All: true})
	if err != nil || res.Purged != 3 {
		t.Fatalf("purge all: %+v, %v; want 3 purged", res, err)
	}
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 0 {
		t.Fatalf("%d left after purging all", n)
	}
	if _, err := o.Purge(ctx, fn, inspect.Selection{}); !errors.Is(err, inspect.ErrInvalid) {
		t.Fatalf("purge without a selection: %v, want ErrInvalid", err)
	}
}

func TestSelectionValidate(t *testing.T) {
	many := make([]string, inspect.MaxSelectedIDs+1)
	for i := range many {
		many[i] = "1-1"
	}
	cases := []struct {
		name string
		sel  inspect.Selection
		ok   bool
	}{
		{"ids", inspect.Selection{IDs: []string{"1700000000000-0", "1-2"}}, true},
		{"all", inspect.Selection{All: true}, true},
		{"nothing", inspect.Selection{}, false},
		{"both", inspect.Selection{IDs: []string{"1-0"}, All: true}, false},
		{"malformed id", inspect.Selection{IDs: []string{"1700000000000"}}, false},
		{"range syntax", inspect.Selection{IDs: []string{"-"}}, false},
		{"too many", inspect.Selection{IDs: many}, false},
		{"all with a filter", inspect.Selection{All: true, Filter: inspect.DeadLetterFilter{Type: "t"}}, true},
		{"ids with a filter", inspect.Selection{IDs: []string{"1-0"}, Filter: inspect.DeadLetterFilter{Type: "t"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.sel.Validate()
			if (err == nil) != c.ok || err != nil && !errors.Is(err, inspect.ErrInvalid) {
				t.Fatalf("Validate() = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestReplayAllMatchingHasNoCapAndReportsProgress(t *testing.T) {
	rdb, ctx := newRedis(t)
	fn := opstest.Unique("billing")
	n := inspect.MaxSelectedIDs + 1
	ids := seedVaried(t, rdb, fn, n, time.Now().Add(-time.Hour))
	insp := inspect.New(rdb)
	var done, total []int
	sel := inspect.Selection{All: true, Filter: inspect.DeadLetterFilter{Type: "order.created"}}
	res, err := insp.Replay(ctx, fn, sel, func(d, tot int) { done, total = append(done, d), append(total, tot) })
	matching := (n + 1) / 2
	if err != nil || res.Replayed != matching || len(res.Skipped)+len(res.NotFound)+len(res.Failed) != 0 {
		t.Fatalf("replay of every order.created: %+v, %v; want %d replayed", res, err, matching)
	}
	if len(done) != matching || done[len(done)-1] != matching || total[0] != n {
		t.Errorf("progress: %d calls, last %d of %d; want %d calls up to %d of %d", len(done), done[len(done)-1], total[0], matching, matching, n)
	}
	st, err := insp.FunctionStatus(ctx, fn)
	if err != nil || st.Retrying != int64(matching) {
		t.Fatalf("retrying %d, %v; want the %d replays scheduled", st.Retrying, err, matching)
	}
	if rc, err := insp.Retries(ctx, fn); err != nil || rc.Total() != int64(matching) || rc.Scheduled+rc.Pending != matching {
		t.Fatalf("retries %+v, %v; want the %d replays waiting", rc, err, matching)
	}
	// The dead letters stay until their replays settle; a second replay of
	// the same entries is skipped (claimed), even by id.
	res, err = insp.Replay(ctx, fn, inspect.Selection{IDs: []string{ids[0], ids[1]}}, nil)
	if err != nil || res.Replayed != 1 || !slices.Equal(res.Skipped, []string{ids[0]}) {
		t.Fatalf("replay by id after replaying all order.created: %+v, %v; want %s skipped, %s replayed", res, err, ids[0], ids[1])
	}
}

func TestPurgeAllMatchingKeepsTheOthers(t *testing.T) {
	rdb, ctx := newRedis(t)
	fn := opstest.Unique("mailer")
	ids := seedVaried(t, rdb, fn, 250, time.Now().Add(-time.Hour))
	insp := inspect.New(rdb)
	res, err := insp.Purge(ctx, fn, inspect.Selection{All: true, Filter: inspect.DeadLetterFilter{ErrorContains: "BAD TOTAL"}})
	if err != nil || res.Purged != 125 {
		t.Fatalf("purge of every Bad Total: %+v, %v; want 125", res, err)
	}
	left := opstest.DeadLetters(t, rdb, fn)
	if len(left) != 125 || left[0].ID != ids[0] || left[124].ID != ids[248] {
		t.Fatalf("%d left", len(left))
	}
	for _, dl := range left {
		if dl.Error != "payment API: 503" {
			t.Fatalf("purged the wrong ones: %s %q left", dl.ID, dl.Error)
		}
	}
}

func TestReplayAfterTheFixRunsOnceAndLeavesTheStream(t *testing.T) {
	rdb, ctx, fn, stream, sw := brokenBilling(t)
	_, dlID := opstest.FailOne(t, rdb, fn, stream, "order.created", "o-ev-1", "o1", map[string]int{"qty": 1})

	sw.Fix()
	var progress []int
	res, err := inspect.New(rdb).Replay(ctx, fn, inspect.Selection{IDs: []string{dlID}}, func(done, total int) { progress = append(progress, done, total) })
	if err != nil || res.Replayed != 1 || len(res.NotFound)+len(res.Skipped)+len(res.Failed) != 0 {
		t.Fatalf("replay: %+v, %v", res, err)
	}
	if len(progress) != 2 || progress[0] != 1 || progress[1] != 1 {
		t.Errorf("progress calls %v, want [1 1]", progress)
	}
	redistest.Eventually(t, 10*time.Second, func() bool { return sw.Succeeded("o-ev-1") == 1 }, "replayed event runs")
	// The dead letter leaves the stream when the replay's run commits,
	// just after the handler returned: poll for it.
	redistest.Eventually(t, 10*time.Second, func() bool { return len(opstest.DeadLetters(t, rdb, fn)) == 0 }, "the replayed dead letter leaves the dead letters")

	t.Run("replaying the same entry again does nothing", func(t *testing.T) {
		res, err := inspect.New(rdb).Replay(ctx, fn, inspect.Selection{IDs: []string{dlID}}, nil)
		if err != nil || res.Replayed != 0 || len(res.NotFound) != 1 {
			t.Fatalf("second replay: %+v, %v; want the id not found", res, err)
		}
		runtimetest.WaitRetriesIdle(t, rdb, fn, 10*time.Second)
		if n := sw.Succeeded("o-ev-1"); n != 1 {
			t.Fatalf("event ran %d times, want once", n)
		}
	})
}

func TestReplayOfAnEventThatStillFailsReturnsWithOneMoreAttempt(t *testing.T) {
	rdb, ctx := newRedis(t)
	fn, stream := opstest.Unique("inventory"), opstest.Unique("events:order")
	opstest.StartBroken(t, rdb, fn, stream)
	entry, first := opstest.FailOne(t, rdb, fn, stream, "order.created", "o-ev-2", "o2", map[string]int{"qty": 1})

	res, err := inspect.New(rdb).Replay(ctx, fn, inspect.Selection{All: true}, nil)
	if err != nil || res.Replayed != 1 {
		t.Fatalf("replay: %+v, %v", res, err)
	}
	redistest.Eventually(t, 10*time.Second, func() bool {
		dls := opstest.DeadLetters(t, rdb, fn)
		return len(dls) == 1 && dls[0].ID != first
	}, "event back in the dead-letter stream")
	dl := opstest.DeadLetters(t, rdb, fn)[0]
	if dl.Attempts != 3 || dl.EntryID != entry || dl.Stream != stream || dl.Error != "downstream unavailable" {
		t.Fatalf("returned dead letter attempts=%d entry=%s stream=%s error=%q; want 3 attempts, the original entry",
			dl.Attempts, dl.EntryID, dl.Stream, dl.Error)
	}
}

func TestReplayClaimedByAnotherReplayIsSkipped(t *testing.T) {
	rdb, ctx := newRedis(t)
	fn := opstest.Unique("crm")
	id := opstest.Seed(t, rdb, fn, opstest.DeadLetter{Stream: "events:customer", EntryID: "1-1", Type: "customer.created",
		EventID: "c", Data: "{}", Error: "x", Attempts: 1, Failed: time.Now()})
	if err := rdb.Set(ctx, inspect.ReplayClaimKey(fn, id), "other operator", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	res, err := inspect.New(rdb).Replay(ctx, fn, inspect.Selection{IDs: []string{id}}, nil)
	if err != nil || res.Replayed != 0 || len(res.Skipped) != 1 {
		t.Fatalf("replay: %+v, %v; want skipped", res, err)
	}
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 1 {
		t.Fatalf("%d dead letters; a skipped entry stays", n)
	}
}

func TestReplayReportsMalformedAndUnknown(t *testing.T) {
	rdb, ctx := newRedis(t)
	fn := opstest.Unique("projector")
	bad, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: runtime.DeadLetterStream(fn), Values: map[string]any{"type": "t"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	res, err := inspect.New(rdb).Replay(ctx, fn, inspect.Selection{IDs: []string{bad}}, nil)
	if err != nil || len(res.Failed) != 1 || res.Replayed != 0 {
		t.Fatalf("replay of a malformed entry: %+v, %v", res, err)
	}
	if _, err := inspect.New(rdb).Replay(ctx, "nobody", inspect.Selection{All: true}, nil); !errors.Is(err, inspect.ErrNotFound) {
		t.Fatalf("replay of an unknown function: %v, want ErrNotFound", err)
	}
}
