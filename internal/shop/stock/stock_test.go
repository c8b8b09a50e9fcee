package stock_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/stock"
)

func levels(t *testing.T, s *stock.Store) map[string]int64 {
	t.Helper()
	l, err := s.Levels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestEntries(t *testing.T) {
	ctx := context.Background()
	// set is one SetEntry call: entry id, inventory id, product id, amount.
	type set struct {
		entryID, inventoryID, productID string
		amount                          int64
	}
	tests := []struct {
		name string
		sets []set
		want map[string]int64
	}{
		{"create", []set{{"1-0", "i1", "p", 10}}, map[string]int64{"p": 10}},
		{"an entry sets its product's stock", []set{{"1-0", "i1", "p", 10}, {"2-0", "i2", "p", 5}}, map[string]int64{"p": 5}},
		{"int64 exact", []set{{"1-0", "i1", "p", 9223372036854775807}}, map[string]int64{"p": 9223372036854775807}},
		{"update sets, re-run ignored", []set{{"1-0", "i1", "p", 10}, {"2-0", "i1", "p", 4}, {"2-0", "i1", "p", 4}}, map[string]int64{"p": 4}},
		{"update moves product", []set{{"1-0", "i1", "p", 10}, {"2-0", "i1", "q", 3}}, map[string]int64{"q": 3}},
		{"delete", []set{{"1-0", "i1", "p", 10}, {"2-0", "i1", "", 0}, {"1-0", "i1", "p", 10}}, map[string]int64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv.FlushAll(t)
			s := stock.New(srv.Client(t))
			for _, e := range tc.sets {
				if err := s.SetEntry(ctx, e.entryID, e.inventoryID, e.productID, e.amount); err != nil {
					t.Fatalf("SetEntry(%+v): %v", e, err)
				}
			}
			if diff := cmp.Diff(tc.want, levels(t, s)); diff != "" {
				t.Errorf("levels (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReserveLifecycle(t *testing.T) {
	srv.FlushAll(t)
	ctx := context.Background()
	s := stock.New(srv.Client(t))
	_ = s.SetEntry(ctx, "1-0", "i1", "p", 5)
	_ = s.SetEntry(ctx, "1-1", "i2", "q", 5)

	check := func(step, gotState, wantState string, want map[string]int64) {
		t.Helper()
		if gotState != wantState {
			t.Errorf("%s: state %q, want %q", step, gotState, wantState)
		}
		if diff := cmp.Diff(want, levels(t, s)); diff != "" {
			t.Errorf("%s: levels (-want +got):\n%s", step, diff)
		}
	}
	st, _, err := s.Reserve(ctx, "2-0", "o1", map[string]int{"p": 2, "q": 1})
	if err != nil {
		t.Fatal(err)
	}
	check("reserve", st, model.Reserved, map[string]int64{"p": 3, "q": 4})
	st, _, _ = s.Reserve(ctx, "2-0", "o1", map[string]int{"p": 2, "q": 1})
	check("re-run", st, model.Reserved, map[string]int64{"p": 3, "q": 4})
	st, _, _ = s.Reserve(ctx, "3-0", "o1", map[string]int{"q": 5})
	check("update adjusts", st, model.Reserved, map[string]int64{"p": 5, "q": 0})
	st, reason, _ := s.Reserve(ctx, "4-0", "o1", map[string]int{"q": 6})
	check("update too big", st, model.Rejected, map[string]int64{"p": 5, "q": 5})
	if reason != "out of stock: q" {
		t.Errorf("reason = %q", reason)
	}
	st, _, _ = s.Reserve(ctx, "5-0", "o1", map[string]int{"p": 1})
	check("update fits again", st, model.Reserved, map[string]int64{"p": 4, "q": 5})
	for i := range 2 {
		ok, err := s.Release(ctx, "6-0", "o1")
		if err != nil || ok != (i == 0) {
			t.Fatalf("release %d = %v, %v", i, ok, err)
		}
	}
	check("released once", model.Released, model.Released, map[string]int64{"p": 5, "q": 5})
	st, _, _ = s.Reserve(ctx, "7-0", "o1", map[string]int{"p": 1})
	check("after release", st, model.Released, map[string]int64{"p": 5, "q": 5})
}

func TestReserveConcurrentNeverBelowZero(t *testing.T) {
	srv.FlushAll(t)
	ctx := context.Background()
	s := stock.New(srv.Client(t))
	_ = s.SetEntry(ctx, "1-0", "i1", "p", 10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	reserved := 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, _, err := s.Reserve(ctx, fmt.Sprintf("2-%d", i), fmt.Sprintf("o%d", i), map[string]int{"p": 1})
			if err != nil {
				t.Error(err)
			}
			if st == model.Reserved {
				mu.Lock()
				reserved++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if reserved != 10 || levels(t, s)["p"] != 0 {
		t.Errorf("reserved %d, stock %d; want 10, 0", reserved, levels(t, s)["p"])
	}
}
