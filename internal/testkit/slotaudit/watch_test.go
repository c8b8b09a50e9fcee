package slotaudit_test

import (
	"context"
	"slices"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/slotaudit"
)

// TestWatchSeesOtherClients: a Watch needs no hook in the client it
// audits. What a plain client sends — a script, a MULTI block and a
// command within one slot each — passes, with each unit's kind counted
// and each key's slot and commands known; a script touching an
// undeclared key of another slot, which the one-node cluster lets
// through, is reported once however often it ran.
func TestWatchSeesOtherClients(t *testing.T) {
	node := redistest.NewOneNodeCluster(t)
	ctx := context.Background()
	other := redis.NewClient(node.Options()) // another process's client: no hook
	defer other.Close()
	plain := redis.NewClient(node.Options())
	defer plain.Close()

	good := slotaudit.StartWatch(t, node.Addr())
	if err := other.Eval(ctx, `redis.call('SET', KEYS[1], 1); return redis.call('SET', '{a}:y', 1)`, []string{"{a}:x"}).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := other.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "a", 1, 0)
		p.Set(ctx, "{a}:z", 1, 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := other.Del(ctx, "{a}:x", "{a}:y").Err(); err != nil {
		t.Fatal(err)
	}
	got := slotaudit.CheckUnits(t, plain, good.Stop(t))
	if got.Kinds["script"] != 1 || got.Kinds["multi"] != 1 || got.Kinds["command"] < 1 {
		t.Errorf("units by kind %v, want 1 script, 1 multi and the DEL", got.Kinds)
	}
	if s := int64(redistest.Slot("a")); got.Slots["{a}:y"] != s || got.Slots["{a}:z"] != s {
		t.Errorf("slots %v, want {a}:y and {a}:z on %d", got.Slots, s)
	}
	if c := got.Commands["{a}:y"]; !slices.Contains(c, "lua SET") || !slices.Contains(c, "del") {
		t.Errorf("commands on {a}:y = %v, want the script's SET and the DEL", c)
	}

	bad := slotaudit.StartWatch(t, node.Addr())
	for range 3 {
		if err := other.Eval(ctx, `redis.call('SET', KEYS[1], 1); return redis.call('SET', 'other', 1)`, []string{"a"}).Err(); err != nil {
			t.Fatalf("the node let the script through before, now: %v", err)
		}
	}
	f := &fakeT{TB: t}
	slotaudit.CheckUnits(f, plain, bad.Stop(t))
	if f.errors != 1 {
		t.Errorf("%d violations reported, want 1 (the script's undeclared key, three times)", f.errors)
	}
}
