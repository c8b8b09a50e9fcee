package readmodel_test

import (
	"fmt"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
)

func TestPagesSeeEveryEntityOnce(t *testing.T) {
	ctx, w, r := freshReadModel(t)
	const n = 2500
	for i := range n {
		id := fmt.Sprintf("o%04d", i)
		if err := w.Put(ctx, model.AggOrder, id, model.Order{ID: id, CustomerID: "c", ProductIDs: []string{"p"}}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if err := w.SetOrderStatus(ctx, id, model.StatusAccepted, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, limit := range []int{1000, 100, 7} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			seen := map[string]int{}
			after, pages := "", 0
			for {
				p, err := r.OrdersPage(ctx, after, limit)
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Items) > limit {
					t.Fatalf("page of %d items, limit %d", len(p.Items), limit)
				}
				for _, o := range p.Items {
					seen[o.ID]++
				}
				pages++
				if p.Next == "" {
					break
				}
				after = p.Next
				if pages > n {
					t.Fatal("paging does not end")
				}
			}
			if len(seen) != n {
				t.Errorf("saw %d orders, want %d", len(seen), n)
			}
			for id, c := range seen {
				if c != 1 {
					t.Errorf("order %s seen %d times", id, c)
				}
			}
		})
	}
	t.Run("unbilled pages hold only accepted orders", func(t *testing.T) {
		seen, after := 0, ""
		for {
			p, err := r.UnbilledPage(ctx, after, 333)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range p.Items {
				if o.Status != model.StatusAccepted {
					t.Fatalf("unbilled order %s is %s", o.ID, o.Status)
				}
			}
			seen += len(p.Items)
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		if seen != n/2 {
			t.Errorf("unbilled = %d, want %d", seen, n/2)
		}
	})
	t.Run("deleted entities leave the pages", func(t *testing.T) {
		if err := w.Delete(ctx, model.AggOrder, "o0000"); err != nil {
			t.Fatal(err)
		}
		p, err := r.OrdersPage(ctx, "", 1)
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != "o0001" {
			t.Errorf("first page = %+v, %v; want o0001", p, err)
		}
	})
}

func TestUnpay(t *testing.T) {
	ctx, w, r := freshReadModel(t)
	o := model.Order{ID: "o1", CustomerID: "c1", ProductIDs: []string{"p1"}}
	for _, err := range []error{
		w.Put(ctx, model.AggOrder, o.ID, o), w.SetOrderStatus(ctx, o.ID, model.StatusAccepted, ""),
		w.MarkPaid(ctx, o.ID, "b2"), w.Unpay(ctx, o.ID, "b1"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got, _, _ := r.Order(ctx, o.ID); got.Status != model.StatusPaid {
		t.Errorf("after cancelling another billing: %s, want paid", got.Status)
	}
	if err := w.Unpay(ctx, o.ID, "b2"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := r.Order(ctx, o.ID); got.Status != model.StatusAccepted || got.BillingID != "" {
		t.Errorf("after cancelling its billing: %+v, want accepted, unpaid", got)
	}
}
