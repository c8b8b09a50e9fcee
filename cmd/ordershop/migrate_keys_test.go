package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/internal/testkit/clitest"
	"github.com/ordershop/functions/runtime/partition"
)

// TestMigrateKeys: --dry-run lists what would move and writes nothing; a
// run renames the old stock records and guards to their slot-safe names
// (in their entity's partition of the family's count), keeps an old key
// whose new name exists, says so per family; a second run moves nothing.
func TestMigrateKeys(t *testing.T) {
	rdb := srv.Client(t)
	ctx := context.Background()
	const P = 4
	for _, agg := range []string{model.AggCustomer, model.AggOrder, model.AggProduct} {
		if _, err := partition.Open(ctx, rdb, model.Stream(agg), P); err != nil {
			t.Fatal(err)
		}
	}
	inv := gateway.InventoryGuardKey(partition.Of("p2", P), "p2")
	old := map[string]string{
		"shop:stock:entry:i1":            "entry",
		"shop:stock:order:o1":            "order",
		"shop:guard:deleted:customer:c1": "1",
		"shop:guard:paid:o1":             "b1",
		"shop:guard:inventory:p2":        "old i2",
		inv:                              "new i2",
	}
	for k, v := range old {
		rdb.Set(ctx, k, v, 0)
	}
	want := map[string]string{
		stock.EntryKey("i1"): "entry",
		stock.OrderKey("o1"): "order",
		gateway.DeletedGuardKey(partition.Of("c1", P), model.AggCustomer, "c1"): "1",
		gateway.PaidGuardKey(partition.Of("o1", P), "o1"):                       "b1",
		inv:                       "new i2",
		"shop:guard:inventory:p2": "old i2",
	}
	t.Cleanup(func() {
		for k := range want {
			rdb.Del(ctx, k)
		}
		for k := range old {
			rdb.Del(ctx, k)
		}
	})

	out, _ := wantCode(t, exitOK, "migrate-keys", "--dry-run", "--list")
	for _, w := range []string{
		"  shop:stock:entry:i1 -> {shop:stock}:entry:i1",
		"  shop:guard:paid:o1 -> " + gateway.PaidGuardKey(partition.Of("o1", P), "o1"),
		"  shop:guard:inventory:p2 would be kept: " + inv + " exists",
		"would rename 4 keys, would keep 1", "[dry run: nothing written]",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("dry run output lacks %q:\n%s", w, out)
		}
	}
	for k, v := range old {
		if got := rdb.Get(ctx, k).Val(); got != v {
			t.Fatalf("after the dry run %s = %q, want %q", k, got, v)
		}
	}

	out, _ = wantCode(t, exitOK, "migrate-keys")
	for _, w := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^shop:stock:entry:\*\s+-> \{shop:stock\}:entry:\*\s+renamed 1, kept 0$`),
		regexp.MustCompile(`(?m)^shop:guard:paid:\*\s+-> shop:guard:paid:\{p<p>\}:\*\s+renamed 1, kept 0$`),
		regexp.MustCompile(`(?m)^shop:guard:inventory:\*\s+-> shop:guard:inventory:\{p<p>\}:\*\s+renamed 0, kept 1$`),
		regexp.MustCompile(`(?m)^renamed 4 keys, kept 1 \(their new name exists`),
	} {
		if !w.MatchString(out) {
			t.Errorf("migrate-keys output lacks %s:\n%s", w, out)
		}
	}
	for k, v := range want {
		if got := rdb.Get(ctx, k).Val(); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}

	var again migrateKeysOutput
	decode(t, &again, "migrate-keys", "--json", "--list")
	if again.Renamed != 0 || again.Kept != 1 || len(again.Families) != 5 || len(again.Moves) != 1 || !again.Moves[0].Kept {
		t.Fatalf("second run --json: %+v", again)
	}
}

func TestMigrateKeysExitCodes(t *testing.T) {
	clitest.ExitCodes(t, cli, "no-password-here", []clitest.ExitCase{
		{Name: "extra argument", Args: []string{"migrate-keys", "x"}, Want: exitUsage},
		{Name: "too many partitions", Args: []string{"migrate-keys", "--partitions", "5000"}, Want: exitUsage},
		{Name: "Redis unreachable", Env: map[string]string{"REDIS_URL": "redis://127.0.0.1:1/0"}, Args: []string{"migrate-keys"}, Want: exitError},
	})
}
