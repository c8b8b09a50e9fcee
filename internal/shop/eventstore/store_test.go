package eventstore_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/internal/redistest"
	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
)

var srv *redistest.Server

func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }

func newEvent(t *testing.T, typ, id string) model.Event {
	t.Helper()
	e, err := model.NewEvent(typ, id, "corr-1", map[string]string{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestPublishAndHistory(t *testing.T) {
	srv.FlushAll(t)
	ctx := context.Background()
	s := eventstore.New(srv.Client(t))
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

func TestPublishGuarded(t *testing.T) {
	srv.FlushAll(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	s := eventstore.New(rdb)
	if _, err := s.PublishGuarded(ctx, "guard:x", newEvent(t, model.BillingCreated, "b1")); err != nil {
		t.Fatalf("first: %v", err)
	}
	_, err := s.PublishGuarded(ctx, "guard:x", newEvent(t, model.BillingCreated, "b2"))
	if !errors.Is(err, eventstore.ErrGuarded) {
		t.Fatalf("second: err = %v, want ErrGuarded", err)
	}
	if n := rdb.XLen(ctx, model.Stream(model.AggBilling)).Val(); n != 1 {
		t.Errorf("XLEN = %d, want 1", n)
	}
}

func TestScanPages(t *testing.T) {
	srv.FlushAll(t)
	ctx := context.Background()
	s := eventstore.New(srv.Client(t))
	events := make([]model.Event, 2500)
	for i := range events {
		events[i] = newEvent(t, model.ProductCreated, "p")
	}
	if _, err := s.Publish(ctx, events...); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := s.Scan(ctx, model.Stream(model.AggProduct), func(e model.Event) error {
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
