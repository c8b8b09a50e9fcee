package tests

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// orderedInstances is how many instances of each ordered function
// (projector, inventory) the partition tests run: each owns some of the
// partitions of the event log.
const orderedInstances = 2

// scaledShop empties Redis and starts the shop with orderedInstances
// instances of each ordered function (shopkit.Scaled), waits until the
// partitions are shared among them (shopkit.LeaseOwners), and returns a
// client of its gateway and a Redis client.
func scaledShop(t *testing.T) (api, redis.UniversalClient) {
	t.Helper()
	freshRedis(t)
	rdb := kit.Client(t)
	s := newShop(t)
	procs := s.StartScaled(orderedInstances)
	for _, fn := range shopkit.Ordered() {
		for n := 1; n <= orderedInstances; n++ {
			if p := procs[shopkit.Instance(fn, n)]; p == nil || !p.Alive() {
				t.Fatalf("instance %d of %s is not running", n, fn)
			}
		}
	}
	// The instances share the partitions before the test goes on.
	for _, fn := range shopkit.Ordered() {
		t.Logf("%s: partitions per owner %v", fn, shopkit.WaitShared(t, rdb, fn, orderedInstances, 30*time.Second))
	}
	return api{t: t, base: procs[shopkit.Gateway].URL()}, rdb
}

// TestPartitionedSeedWalk walks the seed's client walk, in both dialects,
// on a shop with two projectors and two inventories.
func TestPartitionedSeedWalk(t *testing.T) {
	for _, d := range []struct {
		name string
		d    dialect
	}{{"seed", seedWalk}, {"v1", v1Walk}} {
		t.Run(d.name, func(t *testing.T) {
			a, _ := scaledShop(t)
			walk(t, a, d.d)
		})
	}
}

// TestPartitionedStockRace races 40 orders of one unit for a product with
// 10 on stock on a shop with two inventories (the orders' partitions are
// owned by both): exactly 10 are accepted, and the stock, one key per
// product reserved by one atomic script, is never below zero.
func TestPartitionedStockRace(t *testing.T) {
	a, rdb := scaledShop(t)
	neverOversell(t, a, rdb)
}
