package readmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
)

// Order returns one order with its status: pending until the inventory's
// verdict, then accepted or rejected, and paid once a payment is recorded.
func (r *Reader) Order(ctx context.Context, id string) (model.Order, bool, error) {
	o, ok, err := Entities[model.Order](r, model.AggOrder).Get(ctx, id)
	if err != nil || !ok {
		return o, ok, err
	}
	st, _, err := Table[orderStatus]{rdb: r.rdb, key: OrderStatusKey}.Get(ctx, id)
	if err != nil {
		return o, false, err
	}
	paid, err := r.rdb.HGet(ctx, OrderPaidKey, id).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return o, false, fmt.Errorf("HGET %s %s: %w", OrderPaidKey, id, err)
	}
	return withStatus(o, st, paid), true, nil
}

// Orders returns every order with its status.
func (r *Reader) Orders(ctx context.Context) ([]model.Order, error) {
	orders, err := Entities[model.Order](r, model.AggOrder).All(ctx)
	if err != nil {
		return nil, err
	}
	statuses, err := r.rdb.HGetAll(ctx, OrderStatusKey).Result()
	if err != nil {
		return nil, fmt.Errorf("HGETALL %s: %w", OrderStatusKey, err)
	}
	paid, err := r.rdb.HGetAll(ctx, OrderPaidKey).Result()
	if err != nil {
		return nil, fmt.Errorf("HGETALL %s: %w", OrderPaidKey, err)
	}
	for i, o := range orders {
		var st orderStatus
		if raw, ok := statuses[o.ID]; ok {
			if err := json.Unmarshal([]byte(raw), &st); err != nil {
				return nil, fmt.Errorf("status of order %s: %w", o.ID, err)
			}
		}
		orders[i] = withStatus(o, st, paid[o.ID])
	}
	return orders, nil
}

// Unbilled returns the accepted orders that are not paid (deleted orders
// are gone from the read model).
func (r *Reader) Unbilled(ctx context.Context) ([]model.Order, error) {
	orders, err := r.Orders(ctx)
	if err != nil {
		return nil, err
	}
	out := []model.Order{}
	for _, o := range orders {
		if o.Status == model.StatusAccepted {
			out = append(out, o)
		}
	}
	return out, nil
}

func withStatus(o model.Order, st orderStatus, billingID string) model.Order {
	o.Status, o.Reason, o.BillingID = model.StatusPending, "", billingID
	if st.Status != "" {
		o.Status, o.Reason = st.Status, st.Reason
	}
	if billingID != "" {
		o.Status = model.StatusPaid
	}
	return o
}
