package eventstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime/partition"
)

func newEvent(t *testing.T, typ, id string) model.Event {
	t.Helper()
	e, err := model.NewEvent(typ, id, "corr-1", map[string]string{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// partitions is the partition count of the families the tests create.
const partitions = 4

// freshStore empties srv and returns a client of it and a store on it,
// whose families get partitions partitions.
func freshStore(t *testing.T) (*redis.Client, *eventstore.Store) {
	t.Helper()
	srv.FlushAll(t)
	rdb := srv.Client(t)
	return rdb, eventstore.New(rdb, model.NewLog(rdb, partitions))
}

// xlen is the number of entries in every partition of aggregate's family.
func xlen(t *testing.T, rdb *redis.Client, aggregate string) int64 {
	t.Helper()
	var n int64
	for p := range partitions {
		n += rdb.XLen(context.Background(), partition.Stream(model.Stream(aggregate), p)).Val()
	}
	return n
}

func TestPublishAndHistory(t *testing.T) {
	_, s := freshStore(t)
	ctx := context.Background()
	a1, b1, a2 := newEvent(t, model.CustomerCreated, "a"), newEvent(t, model.CustomerCreated, "b"), newEvent(t, model.CustomerUpdated, "a")
	ids, err := s.Publish(ctx, a1, b1, a2)
	if err != nil || len(ids) != 3 {
		t.Fatalf("Publish = %v, %v", ids, err)
	}
	hist, err := s.History(ctx, model.AggCustomer, "a")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range hist {
		got = append(got, e.Type+"/"+e.ID+"/"+e.CorrelationID+"/"+string(e.Data))
	}
	want := []string{
		model.CustomerCreated + "/" + a1.ID + `/corr-1/{"id":"a"}`,
		model.CustomerUpdated + "/" + a2.ID + `/corr-1/{"id":"a"}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
}

func TestCommitGuardWithoutErr(t *testing.T) {
	rdb, s := freshStore(t)
	ctx := context.Background()
	guarded := func(id string) eventstore.Command {
		return eventstore.Command{Events: []model.Event{newEvent(t, model.BillingCreated, id)}, Guards: []eventstore.Guard{{Key: "guard:x", Value: id}}}
	}
	if _, err := s.Commit(ctx, guarded("b1")); err != nil {
		t.Fatalf("first: %v", err)
	}
	if _, err := s.Commit(ctx, guarded("b2")); !errors.Is(err, eventstore.ErrGuarded) {
		t.Fatalf("second: err = %v, want ErrGuarded", err)
	}
	if n := xlen(t, rdb, model.AggBilling); n != 1 {
		t.Errorf("XLEN = %d, want 1", n)
	}
}

func TestScanPages(t *testing.T) {
	_, s := freshStore(t)
	ctx := context.Background()
	events := make([]model.Event, 2500)
	for i := range events {
		events[i] = newEvent(t, model.ProductCreated, "p")
	}
	if _, err := s.Publish(ctx, events...); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := s.Scan(ctx, partition.Stream(model.Stream(model.AggProduct), partition.Of("p", partitions)), func(e model.Event) error {
		if e.ID != events[n].ID {
			t.Fatalf("event %d = %s, want %s", n, e.ID, events[n].ID)
		}
		n++
		return nil
	})
	if err != nil || n != len(events) {
		t.Fatalf("Scan saw %d events, err %v", n, err)
	}
}

func TestCommit(t *testing.T) {
	ctx := context.Background()
	errTaken := errors.New("taken")
	claim := func(v string) *eventstore.Claim {
		return &eventstore.Claim{Key: "idem:k", Value: v, TTL: time.Minute}
	}
	t.Run("claim is written with the events, a repeat writes nothing", func(t *testing.T) {
		rdb, s := freshStore(t)
		res, err := s.Commit(ctx, eventstore.Command{Events: []model.Event{newEvent(t, model.OrderCreated, "o1")}, Claim: claim("first")})
		if err != nil || res.Replayed || len(res.EntryIDs) != 1 {
			t.Fatalf("first = %+v, %v", res, err)
		}
		res, err = s.Commit(ctx, eventstore.Command{Events: []model.Event{newEvent(t, model.OrderCreated, "o2")}, Claim: claim("second")})
		if err != nil || !res.Replayed || res.Previous != "first" {
			t.Fatalf("repeat = %+v, %v; want replayed with the first value", res, err)
		}
		if n := xlen(t, rdb, model.AggOrder); n != 1 {
			t.Errorf("XLEN = %d, want 1", n)
		}
		if ttl := rdb.PTTL(ctx, "idem:k").Val(); ttl <= 0 || ttl > time.Minute {
			t.Errorf("claim TTL = %v, want (0, 1m]", ttl)
		}
	})
	t.Run("a set guard writes nothing, not even the claim or the other guards", func(t *testing.T) {
		rdb, s := freshStore(t)
		rdb.Set(ctx, "g2", "x", 0)
		rdb.Set(ctx, "rel", "x", 0)
		_, err := s.Commit(ctx, eventstore.Command{
			Events:  []model.Event{newEvent(t, model.InventoryCreated, "i1"), newEvent(t, model.InventoryCreated, "i2")},
			Guards:  []eventstore.Guard{{Key: "g1", Value: "i1"}, {Key: "g2", Value: "i2", Err: errTaken}},
			Release: []string{"rel"}, Claim: claim("v"),
		})
		if !errors.Is(err, errTaken) {
			t.Fatalf("err = %v, want the second guard's error", err)
		}
		if n := rdb.Exists(ctx, "g1", "idem:k").Val(); n != 0 {
			t.Errorf("%d of guard g1 and the claim written, want none", n)
		}
		if rdb.Exists(ctx, "rel").Val() != 1 || xlen(t, rdb, model.AggInventory) != 0 {
			t.Error("released key deleted or events written by a guarded command")
		}
	})
	t.Run("guards set, released keys deleted, events in order across streams", func(t *testing.T) {
		rdb, s := freshStore(t)
		rdb.Set(ctx, "rel", "x", 0)
		evs := []model.Event{newEvent(t, model.OrderCreated, "o1"), newEvent(t, model.BillingCreated, "b1"), newEvent(t, model.OrderUpdated, "o1")}
		res, err := s.Commit(ctx, eventstore.Command{Events: evs, Guards: []eventstore.Guard{{Key: "g1", Value: "b1"}}, Release: []string{"rel"}})
		if err != nil || len(res.EntryIDs) != 3 {
			t.Fatalf("Commit = %+v, %v", res, err)
		}
		if v := rdb.Get(ctx, "g1").Val(); v != "b1" {
			t.Errorf("guard = %q, want b1", v)
		}
		if rdb.Exists(ctx, "rel").Val() != 0 {
			t.Error("released key still there")
		}
		hist, _ := s.History(ctx, model.AggOrder, "o1")
		if len(hist) != 2 || hist[0].ID != evs[0].ID || hist[1].ID != evs[2].ID {
			t.Errorf("order history = %+v", hist)
		}
	})
	t.Run("a thousand events in one command", func(t *testing.T) {
		_, s := freshStore(t)
		evs := make([]model.Event, 1000)
		for i := range evs {
			evs[i] = newEvent(t, model.ProductCreated, "p")
		}
		if res, err := s.Commit(ctx, eventstore.Command{Events: evs}); err != nil || len(res.EntryIDs) != 1000 {
			t.Fatalf("Commit = %d ids, %v", len(res.EntryIDs), err)
		}
	})
}
