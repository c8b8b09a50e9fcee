package runtime_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

func TestPurge(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("mailer")
	var ids []string
	for i := range 5 {
		ids = append(ids, opstest.Seed(t, rdb, fn, opstest.DeadLetter{
			Stream: "events:mail", EntryID: "1-" + string(rune('0'+i)), Type: "mail.requested", EventID: "m", Data: "{}",
			Error: "smtp: 421", Attempts: 5, Failed: time.Now(),
		}))
	}
	o := runtime.NewInspector(rdb)

	res, err := o.Purge(ctx, fn, runtime.Selection{IDs: []string{ids[0], ids[1], ids[1], "1-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(runtime.PurgeResult{Function: fn, Purged: 2, NotFound: []string{"1-1"}}, res); diff != "" {
		t.Errorf("purge by id (-want +got):\n%s", diff)
	}
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 3 {
		t.Fatalf("%d left after purging 2 of 5", n)
	}
	res, err = o.Purge(ctx, fn, runtime.Selection{All: true})
	if err != nil || res.Purged != 3 {
		t.Fatalf("purge all: %+v, %v; want 3 purged", res, err)
	}
	if n := len(opstest.DeadLetters(t, rdb, fn)); n != 0 {
		t.Fatalf("%d left after purging all", n)
	}
	if _, err := o.Purge(ctx, fn, runtime.Selection{}); !errors.Is(err, runtime.ErrInvalid) {
		t.Fatalf("purge without a selection: %v, want ErrInvalid", err)
	}
}

func TestSelectionValidate(t *testing.T) {
	many := make([]string, runtime.MaxSelectedIDs+1)
	for i := range many {
		many[i] = "1-1"
	}
	cases := []struct {
		name string
		sel  runtime.Selection
		ok   bool
	}{
		{"ids", runtime.Selection{IDs: []string{"1700000000000-0", "1-2"}}, true},
		{"all", runtime.Selection{All: true}, true},
		{"nothing", runtime.Selection{}, false},
		{"both", runtime.Selection{IDs: []string{"1-0"}, All: true}, false},
		{"malformed id", runtime.Selection{IDs: []string{"1700000000000"}}, false},
		{"range syntax", runtime.Selection{IDs: []string{"-"}}, false},
		{"too many", runtime.Selection{IDs: many}, false},
		{"all with a filter", runtime.Selection{All: true, Filter: runtime.DeadLetterFilter{Type: "t"}}, true},
		{"ids with a filter", runtime.Selection{IDs: []string{"1-0"}, Filter: runtime.DeadLetterFilter{Type: "t"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.sel.Validate()
			if (err == nil) != c.ok || err != nil && !errors.Is(err, runtime.ErrInvalid) {
				t.Fatalf("Validate() = %v, want ok=%v", err, c.ok)
			}
		})
	}
}

func TestReplayAllMatchingHasNoCapAndReportsProgress(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("billing")
	n := runtime.MaxSelectedIDs + 1
	ids := seedVaried(t, rdb, fn, n, time.Now().Add(-time.Hour))
	insp := runtime.NewInspector(rdb)
	var done, total []int
	sel := runtime.Selection{All: true, Filter: runtime.DeadLetterFilter{Type: "order.created"}}
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
	// The dead letters stay until their replays settle; a second replay of
	// the same entries is skipped (claimed), even by id.
	res, err = insp.Replay(ctx, fn, runtime.Selection{IDs: []string{ids[0], ids[1]}}, nil)
	if err != nil || res.Replayed != 1 || !slices.Equal(res.Skipped, []string{ids[0]}) {
		t.Fatalf("replay by id after replaying all order.created: %+v, %v; want %s skipped, %s replayed", res, err, ids[0], ids[1])
	}
}

func TestPurgeAllMatchingKeepsTheOthers(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	fn := opstest.Unique("mailer")
	ids := seedVaried(t, rdb, fn, 250, time.Now().Add(-time.Hour))
	insp := runtime.NewInspector(rdb)
	res, err := insp.Purge(ctx, fn, runtime.Selection{All: true, Filter: runtime.DeadLetterFilter{ErrorContains: "BAD TOTAL"}})
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
