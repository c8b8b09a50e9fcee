package tests

import (
	"net/http"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/internal/testkit/slotaudit"
	"github.com/ordershop/functions/runtime/partition"
)

// TestSeedWalkSlots runs the whole shop on a one-node Redis Cluster (it
// refuses CROSSSLOT as a real one does, but lets a script touch an
// undeclared key of another slot, which a real cluster refuses when the
// slots are on two masters) with MONITOR on it, and walks the seed walk
// in each dialect, then every route of every kind (POST one and batches,
// PUT, DELETE of customers, products, orders, inventory entries and
// billings), keyed (api.call) and not (the walk), and an inventory entry
// moved to a product of another partition. Every unit of work that any
// process sent — each command, MULTI block and script with the commands
// it ran — must touch one hash slot, and every key must be one of the
// shop's key families, on the slot its family puts it (slotRules).
func TestSeedWalkSlots(t *testing.T) {
	for _, d := range []struct {
		name string
		d    dialect
	}{{"seed", seedWalk}, {"v1", v1Walk}} {
		t.Run(d.name, func(t *testing.T) {
			node := redistest.NewOneNodeCluster(t)
			watch := slotaudit.StartWatch(t, node.Addr())
			stopShared()
			s := shopkit.NewShop(t, kit.Bin, append(testEnv(), "REDIS_CLUSTER_URL=redis://"+node.Addr())...)
			a := api{t: t, base: s.StartAll()[shopkit.Gateway].URL()}
			rdb := node.ClusterClient(t)
			// The audit runs even if the walk fails (a CROSSSLOT
			// refused fails it), before the processes are killed.
			t.Cleanup(func() { auditSlots(t, node, rdb, watch) })
			walk(t, a, d.d)
			everyRoute(t, a)
			settle(t, rdb)
		})
	}
}

// auditSlots stops watch and checks every unit it saw on node (one slot
// each) and every key (checkKeySlots).
func auditSlots(t *testing.T, node *redistest.OneNodeCluster, rdb redis.UniversalClient, watch *slotaudit.Watch) {
	plain := redis.NewClient(node.Options())
	defer plain.Close()
	got := slotaudit.CheckUnits(t, plain, watch.Stop(t))
	t.Logf("checked units by kind: %v, %d keys", got.Kinds, len(got.Slots))
	if got.Kinds["script"] < 100 || got.Kinds["command"] < 100 {
		t.Errorf("audited %v: want at least 100 scripts and 100 commands", got.Kinds)
	}
	fam, err := partition.Lookup(ctx(), rdb, model.Stream(model.AggOrder))
	if err != nil {
		t.Fatal(err)
	}
	checkKeySlots(t, got, fam.Count)
}

// everyRoute sends, on the shop a serves, every route of every kind
// (seedRoutes: POST on both paths, PUT and DELETE of each), an inventory
// entry moved to a product without one, which may be in another
// partition, orders and a billing keyed (api.call sends an
// Idempotency-Key) as newCatalog's batches are.
func everyRoute(t *testing.T, a api) {
	t.Helper()
	c := newCatalog(a, 3, 10, 1_000)
	for _, k := range seedKinds(a, c) {
		seedRoutes(a, k)
	}
	order := a.create(v1+"/orders", c.order(c.products[0], c.products[1]))[0]
	a.call(http.MethodPut, v1+"/order/"+order, c.order(c.products[0]), http.StatusOK, nil)
	bill := a.create(v1+"/billings", map[string]any{"order_id": order})[0]
	a.call(http.MethodDelete, v1+"/billing/"+bill, nil, http.StatusOK, nil)
	bare := a.create(v1+"/products", []map[string]any{{"name": "Bare 1", "price": 1}, {"name": "Bare 2", "price": 2}})
	a.call(http.MethodPut, v1+"/inventory/"+c.inventory[1], map[string]any{"product_id": bare[0], "amount": 7}, http.StatusOK, nil)
	a.call(http.MethodPut, v1+"/inventory/"+c.inventory[1], map[string]any{"product_id": bare[1], "amount": 8}, http.StatusOK, nil)
	a.call(http.MethodDelete, v1+"/inventory/"+c.inventory[2], nil, http.StatusOK, nil)
}
