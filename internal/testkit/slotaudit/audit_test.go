package slotaudit_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/slotaudit"
)

// fakeT records failures instead of failing.
type fakeT struct {
	testing.TB
	errors int
}

func (f *fakeT) Errorf(string, ...any) { f.errors++ }

// TestAuditFindsUndeclaredKeysOfAnotherSlot: a script touching an
// undeclared key of another slot succeeds on the one-node cluster, and the
// audit names it; a script, a MULTI block and a command within one slot
// pass.
func TestAuditFindsUndeclaredKeysOfAnotherSlot(t *testing.T) {
	node := redistest.NewOneNodeCluster(t)
	rdb := node.ClusterClient(t)
	ctx := context.Background()

	good := slotaudit.Start(t, node, rdb)
	if err := rdb.Eval(ctx, `redis.call('SET', KEYS[1], 1); return redis.call('SET', '{a}:y', 1)`, []string{"{a}:x"}).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "a", 1, 0)
		p.Set(ctx, "{a}:z", 1, 0)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Del(ctx, "{a}:x", "{a}:y").Err(); err != nil {
		t.Fatal(err)
	}
	if n := good.Check(t, 1, 2); n != 3 {
		t.Errorf("checked %d units, want 3", n)
	}

	bad := slotaudit.Start(t, node, rdb)
	if err := rdb.Eval(ctx, `redis.call('SET', KEYS[1], 1); return redis.call('SET', 'other', 1)`, []string{"a"}).Err(); err != nil {
		t.Fatalf("the node let the script through before, now: %v", err)
	}
	f := &fakeT{TB: t}
	bad.Check(f, 1, 0)
	if f.errors != 1 {
		t.Errorf("%d violations reported, want 1 (the script's undeclared key)", f.errors)
	}
}
