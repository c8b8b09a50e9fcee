package readmodel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ordershop/functions/internal/shop/model"
)

// Page is one page of a list in id order. Next is the id to continue
// after (the last item's), "" on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// OrdersPage returns up to limit orders, with their status, after the id
// after.
func (r *Reader) OrdersPage(ctx context.Context, after string, limit int) (Page[model.Order], error) {
	p, err := Entities[model.Order](r, model.AggOrder).Page(ctx, after, limit)
	if err != nil {
		return p, err
	}
	p.Items, err = r.withStatuses(ctx, p.Items)
	return p, err
}

// UnbilledPage returns up to limit accepted, unpaid orders after the id
// after. It reads the orders index page by page until it has limit of
// them or reaches the end.
func (r *Reader) UnbilledPage(ctx context.Context, after string, limit int) (Page[model.Order], error) {
	out := Page[model.Order]{Items: []model.Order{}}
	for {
		p, err := r.OrdersPage(ctx, after, limit)
		if err != nil {
			return out, err
		}
		for _, o := range p.Items {
			if o.Status != model.StatusAccepted {
				continue
			}
			out.Items = append(out.Items, o)
			if len(out.Items) == limit {
				out.Next = o.ID
				if p.Next == "" && o.ID == p.Items[len(p.Items)-1].ID {
					out.Next = ""
				}
				return out, nil
			}
		}
		if p.Next == "" {
			return out, nil
		}
		after = p.Next
	}
}

// withStatuses sets the status of each order from the status and paid
// hashes.
func (r *Reader) withStatuses(ctx context.Context, orders []model.Order) ([]model.Order, error) {
	if len(orders) == 0 {
		return orders, nil
	}
	ids := make([]string, len(orders))
	for i, o := range orders {
		ids[i] = o.ID
	}
	pipe := r.rdb.Pipeline()
	statuses := pipe.HMGet(ctx, OrderStatusKey, ids...)
	paid := pipe.HMGet(ctx, OrderPaidKey, ids...)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("order statuses: %w", err)
	}
	for i, o := range orders {
		var st orderStatus
		if raw, ok := statuses.Val()[i].(string); ok {
			if err := json.Unmarshal([]byte(raw), &st); err != nil {
				return nil, fmt.Errorf("status of order %s: %w", o.ID, err)
			}
		}
		billing, _ := paid.Val()[i].(string)
		orders[i] = withStatus(o, st, billing)
	}
	return orders, nil
}
