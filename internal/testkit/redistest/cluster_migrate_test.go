package redistest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

func TestMigrateSlotMovesKeysAndTheClientFollows(t *testing.T) {
	ctx := ctxT(t)
	cc := cluster.Client(t)
	const keys = 150 // more than one MIGRATE batch
	key := func(i int) string { return fmt.Sprintf("{mig}:%d", i) }
	for i := range keys {
		if err := cc.Set(ctx, key(i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	slot := redistest.Slot(key(0))
	from, err := cluster.MasterOf(ctx, slot)
	if err != nil {
		t.Fatal(err)
	}
	masters, _ := cluster.Masters(ctx)
	to := masters[0]
	if to == from {
		to = masters[1]
	}

	m, err := cluster.BeginMigration(ctx, slot, to)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := m.MoveKeys(ctx, 10)
	if err != nil || moved != 10 {
		t.Fatalf("MoveKeys(10) = %d, %v", moved, err)
	}
	// Paused half-way: the source answers ASK for a moved key, and the
	// cluster client follows it to every key, moved or not.
	movedKeys, err := to.Client(t).Keys(ctx, "{mig}:*").Result()
	if err != nil || len(movedKeys) != 10 {
		t.Fatalf("target holds %v, %v; want 10 keys", movedKeys, err)
	}
	if err := from.Client(t).Get(ctx, movedKeys[0]).Err(); err == nil || !strings.HasPrefix(err.Error(), "ASK ") {
		t.Fatalf("GET of a moved key on the source: %v, want an ASK redirect", err)
	}
	for i := range keys {
		if v, err := cc.Get(ctx, key(i)).Int(); err != nil || v != i {
			t.Fatalf("mid-migration GET %s = %d, %v", key(i), v, err)
		}
	}

	if err := m.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if owner, err := cluster.MasterOf(ctx, slot); err != nil || owner != to {
		t.Fatalf("slot %d on %v (%v), want %s", slot, owner, err, to.Addr())
	}
	if n, _ := to.Client(t).ClusterCountKeysInSlot(ctx, slot).Result(); n != keys {
		t.Fatalf("target holds %d keys of the slot, want %d", n, keys)
	}
	if n, _ := from.Client(t).ClusterCountKeysInSlot(ctx, slot).Result(); n != 0 {
		t.Fatalf("source still holds %d keys of the slot", n)
	}
	for i := range keys {
		if v, err := cc.Get(ctx, key(i)).Int(); err != nil || v != i {
			t.Fatalf("after migration GET %s = %d, %v", key(i), v, err)
		}
	}
	if err := cc.Set(ctx, key(keys), "new", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := to.Client(t).Exists(ctx, key(keys)).Result(); n != 1 {
		t.Fatal("a write after the migration did not land on the target")
	}
}
