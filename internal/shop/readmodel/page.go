package readmodel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
)

// Page is one page of a list in id order. Next is the id to continue
// after (the last item's), "" on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// pageIDs returns up to limit ids of a hash's index after the id after
// ("" for the first page), and whether more follow.
func pageIDs(ctx context.Context, rdb redis.UniversalClient, hashKey, after string, limit int) ([]string, bool, error) {
	start := "-"
	if after != "" {
		start = "(" + after
	}
	ids, err := rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
		Key: IndexKey(hashKey), Start: start, Stop: "+", ByLex: true, Count: int64(limit) + 1,
	}).Result()
	if err != nil {
		return nil, false, fmt.Errorf("ZRANGE %s: %w", IndexKey(hashKey), err)
	}
	if len(ids) > limit {
		return ids[:limit], true, nil
	}
	return ids, false, nil
}

// values reads the JSON values of ids from a hash; ids no longer there
// (deleted meanwhile) are left out.
func values[T any](ctx context.Context, rdb redis.UniversalClient, hashKey string, ids []string) ([]T, error) {
	out := make([]T, 0, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	raw, err := rdb.HMGet(ctx, hashKey, ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("HMGET %s: %w", hashKey, err)
	}
	for i, v := range raw {
		s, ok := v.(string)
		if !ok {
			continue
		}
		var item T
		if err := json.Unmarshal([]byte(s), &item); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", hashKey, ids[i], err)
		}
		out = append(out, item)
	}
	return out, nil
}

// page reads one page of a hash in id order.
func page[T any](ctx context.Context, rdb redis.UniversalClient, hashKey, after string, limit int) (Page[T], error) {
	ids, more, err := pageIDs(ctx, rdb, hashKey, after, limit)
	if err != nil {
		return Page[T]{}, err
	}
	items, err := values[T](ctx, rdb, hashKey, ids)
	if err != nil {
		return Page[T]{}, err
	}
	p := Page[T]{Items: items}
	if more {
		p.Next = ids[len(ids)-1]
	}
	return p, nil
}

// CustomersPage returns up to limit customers after the id after.
func (r *Reader) CustomersPage(ctx context.Context, after string, limit int) (Page[model.Customer], error) {
	return page[model.Customer](ctx, r.rdb, EntityKey(model.AggCustomer), after, limit)
}

// ProductsPage returns up to limit products after the id after.
func (r *Reader) ProductsPage(ctx context.Context, after string, limit int) (Page[model.Product], error) {
	return page[model.Product](ctx, r.rdb, EntityKey(model.AggProduct), after, limit)
}

// InventoriesPage returns up to limit inventory entries after the id after.
func (r *Reader) InventoriesPage(ctx context.Context, after string, limit int) (Page[model.Inventory], error) {
	return page[model.Inventory](ctx, r.rdb, EntityKey(model.AggInventory), after, limit)
}

// BillingsPage returns up to limit billings after the id after.
func (r *Reader) BillingsPage(ctx context.Context, after string, limit int) (Page[model.Billing], error) {
	return page[model.Billing](ctx, r.rdb, EntityKey(model.AggBilling), after, limit)
}

// MailsPage returns up to limit sent mails after the mail id after.
func (r *Reader) MailsPage(ctx context.Context, after string, limit int) (Page[model.Mail], error) {
	return page[model.Mail](ctx, r.rdb, MailsKey, after, limit)
}

// OrdersPage returns up to limit orders, with their status, after the id
// after.
func (r *Reader) OrdersPage(ctx context.Context, after string, limit int) (Page[model.Order], error) {
	p, err := page[model.Order](ctx, r.rdb, EntityKey(model.AggOrder), after, limit)
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
