package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/slotaudit"
	"github.com/ordershop/functions/runtime/partition"
)

// clusterStore empties the one-node cluster and returns a cluster client
// of it, a store on it and an audit of what the store sends.
func clusterStore(t *testing.T) (*redis.ClusterClient, *eventstore.Store, *slotaudit.Audit) {
	t.Helper()
	node.FlushAll(t)
	rdb := node.ClusterClient(t)
	s := eventstore.New(rdb, model.NewLog(rdb, partitions))
	if _, err := s.Log().Families(context.Background()); err != nil {
		t.Fatal(err)
	}
	return rdb, s, slotaudit.Start(t, node, rdb)
}

// idIn is an entity id of partition p.
func idIn(t *testing.T, prefix string, p int) string {
	t.Helper()
	for i := range 1000 {
		if id := fmt.Sprintf("%s%d", prefix, i); partition.Of(id, partitions) == p {
			return id
		}
	}
	t.Fatalf("no id %s… in partition %d", prefix, p)
	return ""
}

// clusterXLen is the number of entries of every partition of aggregate.
func clusterXLen(t *testing.T, rdb redis.UniversalClient, aggregate string) int64 {
	t.Helper()
	var n int64
	for p := range partitions {
		n += rdb.XLen(context.Background(), partition.Stream(model.Stream(aggregate), p)).Val()
	}
	return n
}

// TestClusterOneSlotCommandIsOneScript: a command whose claim, guard and
// events carry one partition's tag is one script on a cluster, as on one
// node: written once, its repeat answered from the claim.
func TestClusterOneSlotCommandIsOneScript(t *testing.T) {
	rdb, s, audit := clusterStore(t)
	ctx := context.Background()
	tag := partition.Tag(2)
	id := idIn(t, "o", 2)
	cmd := func() eventstore.Command {
		return eventstore.Command{
			Events: []model.Event{newEvent(t, model.OrderDeleted, id)},
			Guards: []eventstore.Guard{{Key: "g:" + tag + ":" + id, Value: "x"}},
			Claim:  &eventstore.Claim{Key: "idem:" + tag + ":k", Value: "answer", TTL: time.Minute},
		}
	}
	if res, err := s.Commit(ctx, cmd()); err != nil || res.Replayed || len(res.EntryIDs) != 1 {
		t.Fatalf("first = %+v, %v", res, err)
	}
	if res, err := s.Commit(ctx, cmd()); err != nil || !res.Replayed || res.Previous != "answer" {
		t.Fatalf("repeat = %+v, %v; want the answer replayed", res, err)
	}
	if n := clusterXLen(t, rdb, model.AggOrder); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	audit.Check(t, 2, 0)
	if n := rdb.Exists(ctx, "shop:commit:"+tag+":x").Val(); n != 0 {
		t.Error("a one-slot command left a step marker")
	}
}

// TestClusterBatchIsDoneInStepsOnce: twenty orders over every partition
// with a claim are written once, each slot in a script of its own; a
// repeat with the same claim writes nothing and answers the first answer.
func TestClusterBatchIsDoneInStepsOnce(t *testing.T) {
	rdb, s, audit := clusterStore(t)
	ctx := context.Background()
	batch := func() eventstore.Command {
		var evs []model.Event
		for i := range 20 {
			evs = append(evs, newEvent(t, model.OrderCreated, fmt.Sprintf("o%d", i)))
		}
		return eventstore.Command{Events: evs, Claim: &eventstore.Claim{Key: "idem:{k}", Value: "answer", TTL: time.Minute}}
	}
	first := batch()
	res, err := s.Commit(ctx, first)
	if err != nil || res.Replayed || len(res.EntryIDs) != 20 {
		t.Fatalf("first = %+v, %v", res, err)
	}
	for i, e := range first.Events {
		hist, err := s.History(ctx, model.AggOrder, e.EntityID)
		if err != nil || len(hist) != 1 || hist[0].ID != e.ID || hist[0].EntryID != res.EntryIDs[i] {
			t.Errorf("History(%s) = %+v, %v; want its one event at %s", e.EntityID, hist, err, res.EntryIDs[i])
		}
	}
	if res, err := s.Commit(ctx, batch()); err != nil || !res.Replayed || res.Previous != "answer" {
		t.Fatalf("repeat = %+v, %v", res, err)
	}
	if n := clusterXLen(t, rdb, model.AggOrder); n != 20 {
		t.Errorf("%d events, want 20", n)
	}
	if v := rdb.Get(ctx, "idem:{k}").Val(); v != "answer" {
		t.Errorf("claim = %q, want the answer", v)
	}
	audit.Check(t, partitions, 1)
}

// TestClusterRetryFinishesAnInterruptedBatch: a batch whose step fails
// (a partition's stream is not a stream) leaves its claim pending; the
// client's retry, with other events as a gateway would make them again,
// finishes the first plan: every first event once, none of the retry's.
func TestClusterRetryFinishesAnInterruptedBatch(t *testing.T) {
	rdb, s, audit := clusterStore(t)
	ctx := context.Background()
	broken := partition.Stream(model.Stream(model.AggOrder), partitions-1)
	rdb.Set(ctx, broken, "not a stream", 0)
	batch := func() eventstore.Command {
		var evs []model.Event
		for p := range partitions {
			evs = append(evs, newEvent(t, model.OrderCreated, idIn(t, "o", p)))
		}
		return eventstore.Command{Events: evs, Claim: &eventstore.Claim{Key: "idem:{k}", Value: "answer", TTL: time.Minute}}
	}
	first := batch()
	if _, err := s.Commit(ctx, first); err == nil {
		t.Fatal("a step on a string key succeeded")
	}
	if !eventstore.IsPending(rdb.Get(ctx, "idem:{k}").Val()) {
		t.Fatal("claim not pending after an interrupted batch")
	}
	rdb.Del(ctx, broken)
	res, err := s.Commit(ctx, batch())
	if err != nil || !res.Replayed || res.Previous != "answer" {
		t.Fatalf("retry = %+v, %v; want the first command finished and its answer", res, err)
	}
	for _, e := range first.Events {
		hist, err := s.History(ctx, model.AggOrder, e.EntityID)
		if err != nil || len(hist) != 1 || hist[0].ID != e.ID {
			t.Errorf("History(%s) = %+v, %v; want the first try's event once", e.EntityID, hist, err)
		}
	}
	if n := clusterXLen(t, rdb, model.AggOrder); n != partitions {
		t.Errorf("%d events, want %d", n, partitions)
	}
	audit.Check(t, partitions, 1)
}

// TestClusterGuardTakenWritesNothing: a split command whose guard in a
// later slot is set by another command fails with that guard's error and
// takes back the guards it set in earlier slots and its claim.
func TestClusterGuardTakenWritesNothing(t *testing.T) {
	rdb, s, audit := clusterStore(t)
	ctx := context.Background()
	errTaken := errors.New("taken")
	g0, g3 := "g:"+partition.Tag(0)+":x", "g:"+partition.Tag(3)+":y"
	rdb.Set(ctx, g3, "someone else", 0)
	_, err := s.Commit(ctx, eventstore.Command{
		Events: []model.Event{newEvent(t, model.InventoryCreated, idIn(t, "i", 0)), newEvent(t, model.InventoryCreated, idIn(t, "i", 3))},
		Guards: []eventstore.Guard{{Key: g0, Value: "i0"}, {Key: g3, Value: "i3", Err: errTaken}},
		Claim:  &eventstore.Claim{Key: "idem:{k}", Value: "answer", TTL: time.Minute},
	})
	if !errors.Is(err, errTaken) {
		t.Fatalf("err = %v, want the taken guard's", err)
	}
	if n := rdb.Exists(ctx, g0).Val() + rdb.Exists(ctx, "idem:{k}").Val(); n != 0 {
		t.Errorf("guard of the first slot or the claim left behind (%d)", n)
	}
	if n := clusterXLen(t, rdb, model.AggInventory); n != 0 {
		t.Errorf("%d events written", n)
	}
	if v := rdb.Get(ctx, g3).Val(); v != "someone else" {
		t.Errorf("the other command's guard = %q", v)
	}
	audit.Check(t, 2, 1)
}

// TestClusterOneEntityWithClaimElsewhere: a command about one entity whose
// claim is in another slot writes the entity's guard and event in one
// step; another command taking the same guard fails with its error and
// writes nothing, not even its claim.
func TestClusterOneEntityWithClaimElsewhere(t *testing.T) {
	rdb, s, audit := clusterStore(t)
	ctx := context.Background()
	errPaid := errors.New("paid already")
	id := idIn(t, "b", 1)
	guard := "g:" + partition.Tag(1) + ":o"
	pay := func(claim, value string) (eventstore.Result, error) {
		return s.Commit(ctx, eventstore.Command{
			Events: []model.Event{newEvent(t, model.BillingCreated, id)},
			Guards: []eventstore.Guard{{Key: guard, Value: value, Err: errPaid}},
			Claim:  &eventstore.Claim{Key: claim, Value: "answer " + value, TTL: time.Minute},
		})
	}
	if res, err := pay("idem:{k1}", "b1"); err != nil || len(res.EntryIDs) != 1 {
		t.Fatalf("first = %+v, %v", res, err)
	}
	if _, err := pay("idem:{k2}", "b2"); !errors.Is(err, errPaid) {
		t.Fatalf("second = %v, want the guard's error", err)
	}
	if res, err := pay("idem:{k1}", "b1"); err != nil || !res.Replayed || res.Previous != "answer b1" {
		t.Fatalf("repeat = %+v, %v", res, err)
	}
	if n := clusterXLen(t, rdb, model.AggBilling); n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	if rdb.Exists(ctx, "idem:{k2}").Val() != 0 || rdb.Get(ctx, guard).Val() != "b1" {
		t.Error("the refused command left its claim, or changed the guard")
	}
	audit.Check(t, 3, 1)
}
