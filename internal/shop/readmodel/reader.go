package readmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/model"
)

// Reader queries the read model.
type Reader struct {
	rdb redis.UniversalClient
}

// NewReader returns a Reader on rdb.
func NewReader(rdb redis.UniversalClient) *Reader { return &Reader{rdb: rdb} }

// get reads one JSON value of a hash into v; ok is false when it is absent.
func get[T any](ctx context.Context, rdb redis.UniversalClient, key, id string) (v T, ok bool, err error) {
	raw, err := rdb.HGet(ctx, key, id).Result()
	if errors.Is(err, redis.Nil) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("HGET %s %s: %w", key, id, err)
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return v, false, fmt.Errorf("decode %s %s: %w", key, id, err)
	}
	return v, true, nil
}

// list reads every JSON value of a hash, sorted by id for stable answers.
func list[T any](ctx context.Context, rdb redis.UniversalClient, key string) ([]T, error) {
	raw, err := rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("HGETALL %s: %w", key, err)
	}
	ids := make([]string, 0, len(raw))
	for id := range raw {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		var v T
		if err := json.Unmarshal([]byte(raw[id]), &v); err != nil {
			return nil, fmt.Errorf("decode %s %s: %w", key, id, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// Customer returns one customer; ok is false for an unknown or deleted id.
func (r *Reader) Customer(ctx context.Context, id string) (model.Customer, bool, error) {
	return get[model.Customer](ctx, r.rdb, EntityKey(model.AggCustomer), id)
}

// Customers returns every customer.
func (r *Reader) Customers(ctx context.Context) ([]model.Customer, error) {
	return list[model.Customer](ctx, r.rdb, EntityKey(model.AggCustomer))
}

// Product returns one product.
func (r *Reader) Product(ctx context.Context, id string) (model.Product, bool, error) {
	return get[model.Product](ctx, r.rdb, EntityKey(model.AggProduct), id)
}

// Products returns every product.
func (r *Reader) Products(ctx context.Context) ([]model.Product, error) {
	return list[model.Product](ctx, r.rdb, EntityKey(model.AggProduct))
}

// Inventory returns one inventory entry.
func (r *Reader) Inventory(ctx context.Context, id string) (model.Inventory, bool, error) {
	return get[model.Inventory](ctx, r.rdb, EntityKey(model.AggInventory), id)
}

// Inventories returns every inventory entry.
func (r *Reader) Inventories(ctx context.Context) ([]model.Inventory, error) {
	return list[model.Inventory](ctx, r.rdb, EntityKey(model.AggInventory))
}

// Billing returns one billing.
func (r *Reader) Billing(ctx context.Context, id string) (model.Billing, bool, error) {
	return get[model.Billing](ctx, r.rdb, EntityKey(model.AggBilling), id)
}

// Billings returns every billing.
func (r *Reader) Billings(ctx context.Context) ([]model.Billing, error) {
	return list[model.Billing](ctx, r.rdb, EntityKey(model.AggBilling))
}

// Mails returns every sent mail, in id order like every list (a mail's
// sent_at says when it was sent).
func (r *Reader) Mails(ctx context.Context) ([]model.Mail, error) {
	return list[model.Mail](ctx, r.rdb, MailsKey)
}
