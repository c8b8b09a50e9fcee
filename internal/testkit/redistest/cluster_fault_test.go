package redistest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

func TestKilledMasterFailsOverAndRejoinsAsAReplica(t *testing.T) {
	ctx := ctxT(t)
	c := redistest.NewCluster(t, redistest.ClusterOptions{Masters: 3, Replicas: 1})
	cc := c.Client(t)
	const key = "failover:key"
	if err := cc.Set(ctx, key, "kept", 0).Err(); err != nil {
		t.Fatal(err)
	}
	old, err := c.MasterOfKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	// The write is on the replica before the crash.
	if n, err := old.Client(t).Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT 1: %d, %v", n, err)
	}
	if err := c.KillMaster(ctx, old); err != nil {
		t.Fatal(err)
	}
	promoted, err := c.WaitFailover(ctx, redistest.Slot(key))
	if err != nil {
		t.Fatal(err)
	}
	if promoted == old {
		t.Fatal("the slot is still on the killed master")
	}
	// The client made before the crash learns the new owner once its slot
	// map is older than ClientStateReload (a failed GET reloads nothing).
	var v string
	redistest.Eventually(t, 10*time.Second, func() bool {
		v, err = cc.Get(ctx, key).Result()
		return err == nil
	}, "GET after failover: %v", &err)
	if v != "kept" {
		t.Fatalf("GET after failover: %q, want the write acknowledged by the replica", v)
	}

	if err := c.RestartNode(ctx, old); err != nil {
		t.Fatal(err)
	}
	masters, err := c.Masters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(masters) != 3 || slices.Contains(masters, old) {
		t.Fatalf("masters after the restart %v: the old master should be a replica", masters)
	}
	role, err := old.Client(t).Do(ctx, "ROLE").Slice()
	if err != nil || len(role) < 2 || role[0] != "slave" || role[1] != "127.0.0.1" {
		t.Fatalf("ROLE of the rejoined node: %v, %v; want a replica", role, err)
	}
	// It synced from its successor: with READONLY it serves the key.
	conn := old.Client(t).Conn()
	defer conn.Close()
	if err := conn.ReadOnly(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := conn.Get(ctx, key).Result(); err != nil || v != "kept" {
		t.Fatalf("GET on the rejoined replica: %q, %v", v, err)
	}
}
