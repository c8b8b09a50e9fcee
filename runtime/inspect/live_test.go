package inspect_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect"
	"github.com/ordershop/functions/runtime/ops/opstest"
)

func TestInspectorListsAndWaitsForTheEventsOfAPrefix(t *testing.T) {
	rdb, ctx := newRedis(t)
	prefix := opstest.Unique("live[1]*") + ":" // SCAN pattern characters are taken literally
	a, b := prefix+"a", prefix+"b"
	opstest.Publish(t, rdb, a, "t", "e0", "x", map[string]int{})
	opstest.Publish(t, rdb, b, "t", "e1", "x", map[string]int{})
	opstest.Publish(t, rdb, prefix[:len(prefix)-1]+"-other", "t", "e", "x", map[string]int{})
	opstest.Seed(t, rdb, prefix+"fn", opstest.DeadLetter{Stream: a, EntryID: "1-1", Type: "t", EventID: "e", Data: "{}", Error: "e", Attempts: 1, Failed: time.Now()})
	insp := inspect.New(rdb)

	streams, err := insp.StreamsWithPrefix(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(streams, []string{a, b}) {
		t.Errorf("streams with prefix %q: %v, want %v", prefix, streams, []string{a, b})
	}

	pos, err := insp.Positions(ctx, a, b)
	if err != nil {
		t.Fatal(err)
	}
	idB := opstest.Publish(t, rdb, b, "t", "e2", "x", map[string]int{})
	idA := opstest.Publish(t, rdb, a, "t", "e3", "x", map[string]int{})
	got, err := insp.WaitEvents(ctx, pos, 10, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sorted := func(x, y inspect.Event) int {
		if c := runtime.CompareIDs(x.EntryID, y.EntryID); c != 0 {
			return c
		}
		return strings.Compare(x.Stream, y.Stream)
	}
	if len(got) != 2 || !slices.IsSortedFunc(got, sorted) ||
		!slices.ContainsFunc(got, func(e inspect.Event) bool { return e.Stream == a && e.EntryID == idA }) ||
		!slices.ContainsFunc(got, func(e inspect.Event) bool { return e.Stream == b && e.EntryID == idB }) {
		t.Errorf("waited events %+v: want %s's %s and %s's %s, in entry-id order", got, b, idB, a, idA)
	}
	none, err := insp.WaitEvents(ctx, map[string]string{a: idA, b: idB}, 10, 50*time.Millisecond)
	if err != nil || none != nil {
		t.Errorf("nothing new: %v, %v; want nil, nil", none, err)
	}

	newest, err := insp.Events(ctx, a, "", true, 1)
	if err != nil || len(newest) != 1 || newest[0].EntryID != idA {
		t.Errorf("newest event of %s: %+v, %v; want %s", a, newest, err, idA)
	}
	dls, err := insp.WaitDeadLetters(ctx, prefix+"fn", "0-0", 10, 50*time.Millisecond)
	if err != nil || len(dls) != 1 || dls[0].Stream != a {
		t.Errorf("dead letters from the start: %+v, %v; want the one seeded", dls, err)
	}
}
