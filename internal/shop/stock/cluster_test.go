package stock_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/stock"
	"github.com/ordershop/functions/internal/testkit/slotaudit"
	"github.com/ordershop/functions/runtime/partition"
)

// TestClusterRaceOverSeveralProducts: on a one-node Redis Cluster, 40
// concurrent orders each of one unit of three products — in different
// partitions of the event log — on a stock of 10 of each: exactly 10 are
// reserved, no product goes below 0, and every script the stock runs
// (entries, reservations, releases, reads) is in one slot.
func TestClusterRaceOverSeveralProducts(t *testing.T) {
	node.FlushAll(t)
	ctx := context.Background()
	rdb := node.ClusterClient(t)
	audit := slotaudit.Start(t, node, rdb)
	s := stock.New(rdb)
	products := []string{"p1", "p2", "p3"}
	parts := map[int]bool{}
	for i, p := range products {
		parts[partition.Of(p, 16)] = true
		if err := s.SetEntry(ctx, fmt.Sprintf("1-%d", i), "i"+p, p, 10); err != nil {
			t.Fatal(err)
		}
	}
	if len(parts) < 2 {
		t.Fatalf("products in %d partition(s): the test needs several", len(parts))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var reserved []string
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := fmt.Sprintf("o%d", i)
			st, _, err := s.Reserve(ctx, fmt.Sprintf("2-%d", i), o, map[string]int{"p1": 1, "p2": 1, "p3": 1})
			if err != nil {
				t.Error(err)
			}
			if st == model.Reserved {
				mu.Lock()
				reserved = append(reserved, o)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(reserved) != 10 {
		t.Fatalf("%d orders reserved, want 10", len(reserved))
	}
	got, err := s.LevelsOf(ctx, products...)
	if err != nil || got[0] != 0 || got[1] != 0 || got[2] != 0 {
		t.Fatalf("levels = %v, %v; want all 0", got, err)
	}
	if released, err := s.Release(ctx, "3-0", reserved[0]); err != nil || !released {
		t.Fatalf("release = %v, %v", released, err)
	}
	if ok, err := s.Covers(ctx, map[string]int{"p1": 1, "p3": 1}); err != nil || !ok {
		t.Errorf("Covers after a release = %v, %v", ok, err)
	}
	if l, err := s.Levels(ctx); err != nil || l["p2"] != 1 {
		t.Errorf("Levels = %v, %v; want p2 at 1", l, err)
	}
	audit.Check(t, 3+40+1, 3)
}
