package eventstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
)

// errTaken is the Err of the tests' guards.
var errTaken = errors.New("taken")

// TestShortOnlyForWhatWasWritten: on a Redis without replicas, with one
// replica asked for, a command written returns its entry ids and a
// ShortError (after the timeout); its replay and a guard refusal wrote
// nothing and report no shortness. So does a command done in steps on a
// Cluster, whose Resume once done reports none either.
func TestShortOnlyForWhatWasWritten(t *testing.T) {
	const timeout = 100 * time.Millisecond
	repl := eventstore.WithReplication(eventstore.Replication{Replicas: 1, Timeout: timeout})
	ctx := context.Background()
	srv.FlushAll(t)
	rdb := srv.Client(t)
	s := eventstore.New(rdb, model.NewLog(rdb, partitions), repl)
	claim := &eventstore.Claim{Key: "shop:idempotency:{p0}:k", Value: "answer", TTL: time.Hour}
	guard := eventstore.Guard{Key: "shop:guard:paid:{p0}:o1", Value: "b1", Err: errTaken}
	cmd := eventstore.Command{Events: []model.Event{newEvent(t, model.CustomerCreated, "a")}, Guards: []eventstore.Guard{guard}, Claim: claim}

	start := time.Now()
	res, err := s.Commit(ctx, cmd)
	var short *eventstore.ShortError
	if !errors.As(err, &short) || short.Want != 1 || short.Got != 0 || len(res.EntryIDs) != 1 {
		t.Fatalf("Commit = %+v, %v; want its entry id and ShortError{1, 0}", res, err)
	}
	if took := time.Since(start); took < timeout {
		t.Errorf("short after %v, before the timeout %v", took, timeout)
	}
	if res, err := s.Commit(ctx, cmd); err != nil || !res.Replayed || res.Previous != "answer" {
		t.Fatalf("replay = %+v, %v; want the previous answer and no error", res, err)
	}
	cmd.Claim = nil
	if _, err := s.Commit(ctx, cmd); !errors.Is(err, errTaken) {
		t.Fatalf("guarded = %v, want the guard's error", err)
	}

	node.FlushAll(t)
	cc := node.ClusterClient(t)
	cs := eventstore.New(cc, model.NewLog(cc, partitions), repl)
	var events []model.Event
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		events = append(events, newEvent(t, model.CustomerCreated, id))
	}
	split := eventstore.Command{Events: events, Claim: &eventstore.Claim{Key: "shop:idempotency:{p1}:k", Value: "answer", TTL: time.Hour}}
	res, err = cs.Commit(ctx, split)
	if !eventstore.IsShort(err) || len(res.EntryIDs) != len(events) {
		t.Fatalf("split Commit = %+v, %v; want every entry id and a ShortError", res, err)
	}
	if n := len(cc.Keys(ctx, "shop:commit:*").Val()); n < 2 {
		t.Fatalf("%d step markers: the command was not done in steps", n)
	}
	for i, id := range res.EntryIDs {
		if id == "" {
			t.Errorf("event %d not written", i)
		}
	}
	if prev, err := cs.Resume(ctx, split.Claim.Key); err != nil || prev != "answer" {
		t.Fatalf("Resume of the done command = %q, %v; want its answer, no error", prev, err)
	}
}
