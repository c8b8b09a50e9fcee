package model_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime/partition"
)

// TestFixedLog: an event goes to its entity's partition of the family of
// its type, and Streams lists every partition of every family.
func TestFixedLog(t *testing.T) {
	ctx := context.Background()
	log := model.FixedLog(4)
	for _, id := range []string{"o1", "o2", "an order", ""} {
		got, err := log.StreamOf(ctx, model.Event{Type: model.OrderAccepted, EntityID: id})
		if want := "events:order:" + partition.Tag(partition.Of(id, 4)); err != nil || got != want {
			t.Errorf("StreamOf(order %q) = %q, %v; want %q", id, got, err, want)
		}
	}
	streams, err := log.Streams(ctx, model.AggCustomer, model.AggMail)
	want := []string{"events:customer:{p0}", "events:customer:{p1}", "events:customer:{p2}", "events:customer:{p3}",
		"events:mail:{p0}", "events:mail:{p1}", "events:mail:{p2}", "events:mail:{p3}"}
	if err != nil || !cmp.Equal(streams, want) {
		t.Errorf("Streams = %v, %v; want %v", streams, err, want)
	}
	all, err := log.Streams(ctx)
	if err != nil || len(all) != 4*len(model.Aggregates()) {
		t.Errorf("Streams() = %d streams, %v; want %d", len(all), err, 4*len(model.Aggregates()))
	}
	if got := model.FixedLog(0); mustFamily(t, got, model.AggOrder).Count != partition.DefaultCount {
		t.Errorf("FixedLog(0) has %d partitions, want %d", mustFamily(t, got, model.AggOrder).Count, partition.DefaultCount)
	}
}

func mustFamily(t *testing.T, log *model.Log, agg string) partition.Family {
	t.Helper()
	fam, err := log.Family(context.Background(), agg)
	if err != nil {
		t.Fatal(err)
	}
	return fam
}
