package eventstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// TestEventsGoToTheirEntitysPartition: a command about many entities
// writes each event to its entity's partition (one atomic script over
// several partitions), creates the family with the log's count (stored at
// events:<aggregate>:partitions), and History reads only the entity's
// partition.
func TestEventsGoToTheirEntitysPartition(t *testing.T) {
	rdb, s := freshStore(t)
	ctx := context.Background()
	var evs []model.Event
	for i := range 20 {
		evs = append(evs, newEvent(t, model.OrderCreated, fmt.Sprintf("o%d", i)))
	}
	if _, err := s.Publish(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	if n := rdb.Get(ctx, "events:order:partitions").Val(); n != fmt.Sprint(partitions) {
		t.Errorf("events:order:partitions = %q, want %d", n, partitions)
	}
	used := map[int]bool{}
	for _, e := range evs {
		p := partition.Of(e.EntityID, partitions)
		used[p] = true
		got, err := rdb.XRange(ctx, partition.Stream("events:order", p), "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range got {
			found = found || m.Values["event_id"] == e.ID
		}
		if !found {
			t.Errorf("%s (entity %s) not in partition %d", e.ID, e.EntityID, p)
		}
		hist, err := s.History(ctx, model.AggOrder, e.EntityID)
		if err != nil || len(hist) != 1 || hist[0].ID != e.ID || hist[0].Stream != partition.Stream("events:order", p) {
			t.Errorf("History(%s) = %+v, %v", e.EntityID, hist, err)
		}
	}
	if len(used) < 2 {
		t.Fatalf("20 orders in %d partition(s): the test needs several", len(used))
	}
	if n := rdb.Exists(ctx, "events:order").Val(); n != 0 {
		t.Error("events:order written: the family's name is no stream")
	}
}

// TestFamilyKeepsItsCount: a log opened with another count uses the count
// the family was created with.
func TestFamilyKeepsItsCount(t *testing.T) {
	rdb, s := freshStore(t)
	ctx := context.Background()
	if _, err := s.Publish(ctx, newEvent(t, model.ProductCreated, "p1")); err != nil {
		t.Fatal(err)
	}
	other := eventstore.New(rdb, model.NewLog(rdb, 64))
	if _, err := other.Publish(ctx, newEvent(t, model.ProductCreated, "p2")); err != nil {
		t.Fatal(err)
	}
	if got := xlen(t, rdb, model.AggProduct); got != 2 {
		t.Errorf("%d events in the %d partitions, want both", got, partitions)
	}
	fam, err := other.Log().Family(ctx, model.AggProduct)
	if err != nil || fam.Count != partitions {
		t.Errorf("family = %+v, %v; want %d partitions", fam, err, partitions)
	}
}

// TestScanLogMerges: ScanLog reads every event of every partition of the
// families once, merged in entry-id order. Streams number their entries
// on their own: two partitions may give the same id within one
// millisecond, so the merge is by time, exact within each stream only.
func TestScanLogMerges(t *testing.T) {
	_, s := freshStore(t)
	ctx := context.Background()
	var want []string
	for i := range 30 {
		typ := model.OrderCreated
		if i%3 == 0 {
			typ = model.CustomerCreated
		}
		e := newEvent(t, typ, fmt.Sprintf("x%d", i))
		if _, err := s.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
		want = append(want, e.ID)
	}
	var got []string
	last, lastOf := "0-0", map[string]string{}
	err := s.ScanLog(ctx, func(e model.Event) error {
		if runtime.CompareIDs(e.EntryID, last) < 0 {
			t.Errorf("entry %s after %s", e.EntryID, last)
		}
		if prev, ok := lastOf[e.Stream]; ok && runtime.CompareIDs(e.EntryID, prev) <= 0 {
			t.Errorf("%s: entry %s after %s", e.Stream, e.EntryID, prev)
		}
		last, lastOf[e.Stream] = e.EntryID, e.EntryID
		got = append(got, e.ID)
		return nil
	}, model.AggCustomer, model.AggOrder)
	slices.Sort(got)
	slices.Sort(want)
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ScanLog = %v, %v; want %v", got, err, want)
	}
}
