package runtime_test

import (
	"context"
	"errors"
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
