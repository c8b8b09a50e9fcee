package slotmigrate_test

import (
	"context"
	"os"
	"testing"

	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/slotmigrate"
	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/partition"
)

var srv *redistest.Server

func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }

// TestRunRenamesOldKeys: the stock records and guards of before the slots
// get their new names with their values, already new keys and other keys
// stay, and a second run renames nothing.
func TestRunRenamesOldKeys(t *testing.T) {
	srv.FlushAll(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	const P = 4
	log := model.NewLog(rdb, P)
	old := map[string]string{
		"shop:stock:entry:i1":                                  "entry",
		"shop:stock:order:o1":                                  "order",
		"shop:guard:deleted:customer:c1":                       "1",
		"shop:guard:paid:o1":                                   "b1",
		"shop:guard:inventory:p1":                              "i1",
		"shop:guard:inventory:p2":                              "old i2",
		gateway.InventoryGuardKey(partition.Of("p2", P), "p2"): "new i2",
	}
	for k, v := range old {
		rdb.Set(ctx, k, v, 0)
	}
	rdb.Set(ctx, "shop:customers", "untouched", 0)
	rep, err := slotmigrate.Run(ctx, rdb, log)
	if err != nil || rep.Renamed != 5 || rep.Kept != 1 {
		t.Fatalf("Run = %+v, %v; want 5 renamed, 1 kept", rep, err)
	}
	want := map[string]string{
		stock.EntryKey("i1"): "entry",
		stock.OrderKey("o1"): "order",
		gateway.DeletedGuardKey(partition.Of("c1", P), model.AggCustomer, "c1"): "1",
		gateway.PaidGuardKey(partition.Of("o1", P), "o1"):                       "b1",
		gateway.InventoryGuardKey(partition.Of("p1", P), "p1"):                  "i1",
		gateway.InventoryGuardKey(partition.Of("p2", P), "p2"):                  "new i2",
		"shop:guard:inventory:p2":                                               "old i2",
		"shop:customers":                                                        "untouched",
	}
	for k, v := range want {
		if got := rdb.Get(ctx, k).Val(); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if rep, err := slotmigrate.Run(ctx, rdb, log); err != nil || rep.Renamed != 0 {
		t.Errorf("second Run = %+v, %v; want nothing renamed", rep, err)
	}
}
