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
	dry, err := slotmigrate.Run(ctx, rdb, slotmigrate.Options{Partitions: P, DryRun: true})
	if err != nil || dry.Renamed != 5 || dry.Kept != 1 || !dry.DryRun {
		t.Fatalf("dry Run = %+v, %v; want 5 to rename, 1 to keep", dry, err)
	}
	for k := range old {
		if rdb.Exists(ctx, k).Val() != 1 {
			t.Fatalf("the dry run moved %s", k)
		}
	}
	if n := rdb.Exists(ctx, partition.CountKey(model.Stream(model.AggOrder))).Val(); n != 0 {
		t.Fatal("the dry run created a family")
	}
	var moves []slotmigrate.Move
	rep, err := slotmigrate.Run(ctx, rdb, slotmigrate.Options{Partitions: P, Each: func(m slotmigrate.Move) { moves = append(moves, m) }})
	if err != nil || rep.Renamed != 5 || rep.Kept != 1 {
		t.Fatalf("Run = %+v, %v; want 5 renamed, 1 kept", rep, err)
	}
	if len(moves) != 6 || len(rep.Families) != 5 || rep.Families[4].Renamed != 1 || rep.Families[4].Kept != 1 {
		t.Fatalf("moves %+v, families %+v; want 6 moves, the inventory guards 1 renamed, 1 kept", moves, rep.Families)
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
	if rep, err := slotmigrate.Run(ctx, rdb, slotmigrate.Options{Partitions: P}); err != nil || rep.Renamed != 0 {
		t.Errorf("second Run = %+v, %v; want nothing renamed", rep, err)
	}
}
