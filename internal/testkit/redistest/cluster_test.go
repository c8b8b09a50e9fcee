package redistest_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// cluster is the package's 3-master cluster without replicas.
var cluster *redistest.Cluster

func TestMain(m *testing.M) {
	os.Exit(redistest.RunCluster(m, &cluster, redistest.ClusterOptions{Masters: 3}))
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestClusterComesUpWithEverySlotAndAParsableURL(t *testing.T) {
	ctx := ctxT(t)
	opts, err := redis.ParseClusterURL(cluster.URL())
	if err != nil {
		t.Fatalf("ParseClusterURL(%q): %v", cluster.URL(), err)
	}
	if got, want := strings.Join(opts.Addrs, ","), strings.Join(cluster.Addrs(), ","); got != want {
		t.Fatalf("URL addrs %s, want %s", got, want)
	}
	for _, n := range cluster.Nodes() {
		info, err := n.Client(t).ClusterInfo(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_ok:16384") {
			t.Fatalf("node %s: %s", n.Addr(), info)
		}
	}
	masters, err := cluster.Masters(ctx)
	if err != nil || len(masters) != 3 {
		t.Fatalf("masters %v, %v; want 3", masters, err)
	}
	covered := 0
	slots, err := cluster.Client(t).ClusterSlots(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range slots {
		covered += s.End - s.Start + 1
	}
	if covered != redistest.SlotCount {
		t.Fatalf("CLUSTER SLOTS covers %d slots", covered)
	}
}

func TestSlotMatchesClusterKeyslot(t *testing.T) {
	ctx := ctxT(t)
	c := cluster.Nodes()[0].Client(t)
	for _, k := range []string{"", "a", "foo", "user:1000", "{user}:1", "x{}y", "{}{a}", "a{b}c{d}", "orders:{42}:events", "{"} {
		want, err := c.ClusterKeySlot(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got := redistest.Slot(k); int64(got) != want {
			t.Fatalf("Slot(%q) = %d, CLUSTER KEYSLOT says %d", k, got, want)
		}
	}
}

func TestKeyWrittenThroughTheClusterLandsOnItsMaster(t *testing.T) {
	ctx := ctxT(t)
	cc := cluster.Client(t)
	seen := map[string]bool{}
	for i := range 30 {
		key := fmt.Sprintf("land:%d", i)
		if err := cc.Set(ctx, key, i, 0).Err(); err != nil {
			t.Fatal(err)
		}
		owner, err := cluster.MasterOfKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		seen[owner.Addr()] = true
		masters, _ := cluster.Masters(ctx)
		for _, m := range masters {
			n, err := m.Client(t).Exists(ctx, key).Result()
			switch {
			case m == owner && (err != nil || n != 1):
				t.Fatalf("%s on its master %s: EXISTS %d, %v", key, m.Addr(), n, err)
			case m != owner && (err == nil || !strings.HasSuffix(err.Error(), " "+owner.Addr())):
				t.Fatalf("%s on %s (not its master %s): %v, want a MOVED redirect to its master", key, m.Addr(), owner.Addr(), err)
			}
		}
	}
	if len(seen) != 3 {
		t.Fatalf("30 keys landed on %d masters, want all 3", len(seen))
	}
}

func TestFlushAllEmptiesEveryMaster(t *testing.T) {
	ctx := ctxT(t)
	cc := cluster.Client(t)
	for i := range 30 {
		if err := cc.Set(ctx, fmt.Sprintf("flush:%d", i), 1, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cluster.FlushAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range cluster.Nodes() {
		if size, err := n.Client(t).DBSize(ctx).Result(); err != nil || size != 0 {
			t.Fatalf("%s: DBSIZE %d, %v after FlushAll", n.Addr(), size, err)
		}
	}
}

func TestPasswordClusterURLAuthenticatesAndAppendOnlyRestartKeepsWrites(t *testing.T) {
	ctx := ctxT(t)
	c := redistest.NewCluster(t, redistest.ClusterOptions{AppendOnly: true, Args: []string{"--requirepass", "s3cret"}})
	if !strings.HasPrefix(c.URL(), "redis://:s3cret@127.0.0.1:") {
		t.Fatalf("URL %q lacks the password", c.URL())
	}
	opts, err := redis.ParseClusterURL(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	cc := redis.NewClusterClient(opts)
	defer cc.Close()
	if err := cc.Set(ctx, "kept", "yes", 0).Err(); err != nil {
		t.Fatal(err)
	}
	anon := redis.NewClient(&redis.Options{Addr: c.Nodes()[0].Addr()})
	defer anon.Close()
	if err := anon.Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Fatalf("PING without the password: %v, want NOAUTH", err)
	}
	owner, err := c.MasterOfKey(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	if err := owner.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := owner.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitHealthy(ctx); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 5*time.Second, func() bool { return cc.Get(ctx, "kept").Val() == "yes" }, "the write is lost after a restart from AOF")
}
