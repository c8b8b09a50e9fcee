// Package slotmigrate renames the shop's keys of before they were tied
// into Redis Cluster hash slots to their slot-safe names, on the one Redis
// node the shop ran on (before the shop's new version starts, or before
// its data moves to a cluster):
//
//	shop:stock:entry:<id>            -> {shop:stock}:entry:<id>
//	shop:stock:order:<id>            -> {shop:stock}:order:<id>
//	shop:guard:deleted:<agg>:<id>    -> shop:guard:deleted:{p<p>}:<agg>:<id>
//	shop:guard:paid:<order id>       -> shop:guard:paid:{p<p>}:<order id>
//	shop:guard:inventory:<product>   -> shop:guard:inventory:{p<p>}:<product>
//
// The read model needs no migration: "projector rebuild" projects it again
// from the event log under its new names and deletes the old ones.
// Idempotency-Key records of before (shop:idempotency:<sha>) are not
// moved: their new key depends on the request (its entity's partition),
// so they are forgotten, and expire within their TTL.
package slotmigrate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/shop/gateway"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/stock"
)

// Report counts what Run did.
type Report struct {
	// Renamed keys; Kept old keys whose new name exists already (the new
	// key wins; the old one is left for inspection).
	Renamed, Kept int
}

// rename is one family of old keys: its SCAN pattern and the new name of
// a key of it ("" to leave it).
type rename struct {
	match   string
	newName func(ctx context.Context, key string) (string, error)
}

// Run renames every old key of rdb, a single Redis node (on a cluster a
// RENAME to another slot fails: migrate first, then move the data). Keys
// already slot-safe (with a hash tag) are left alone; Run may run again.
func Run(ctx context.Context, rdb *redis.Client, log *model.Log) (Report, error) {
	var rep Report
	partitionOf := func(ctx context.Context, aggregate, id string) (int, error) {
		fam, err := log.Family(ctx, aggregate)
		return fam.Of(id), err
	}
	renames := []rename{
		{"shop:stock:entry:*", func(_ context.Context, k string) (string, error) {
			return stock.EntryKey(strings.TrimPrefix(k, "shop:stock:entry:")), nil
		}},
		{"shop:stock:order:*", func(_ context.Context, k string) (string, error) {
			return stock.OrderKey(strings.TrimPrefix(k, "shop:stock:order:")), nil
		}},
		{"shop:guard:deleted:*", func(ctx context.Context, k string) (string, error) {
			agg, id, ok := strings.Cut(strings.TrimPrefix(k, "shop:guard:deleted:"), ":")
			if !ok {
				return "", nil
			}
			p, err := partitionOf(ctx, agg, id)
			return gateway.DeletedGuardKey(p, agg, id), err
		}},
		{"shop:guard:paid:*", func(ctx context.Context, k string) (string, error) {
			id := strings.TrimPrefix(k, "shop:guard:paid:")
			p, err := partitionOf(ctx, model.AggOrder, id)
			return gateway.PaidGuardKey(p, id), err
		}},
		{"shop:guard:inventory:*", func(ctx context.Context, k string) (string, error) {
			id := strings.TrimPrefix(k, "shop:guard:inventory:")
			p, err := partitionOf(ctx, model.AggProduct, id)
			return gateway.InventoryGuardKey(p, id), err
		}},
	}
	for _, rn := range renames {
		if err := rn.run(ctx, rdb, &rep); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// run renames the keys of one family.
func (rn rename) run(ctx context.Context, rdb *redis.Client, rep *Report) error {
	iter := rdb.Scan(ctx, 0, rn.match, 500).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		if strings.Contains(key, "{") {
			continue
		}
		to, err := rn.newName(ctx, key)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", key, err)
		}
		if to == "" {
			continue
		}
		ok, err := rdb.RenameNX(ctx, key, to).Result()
		switch {
		case errors.Is(err, redis.Nil) || err != nil && strings.Contains(err.Error(), "no such key"):
			continue // gone meanwhile
		case err != nil:
			return fmt.Errorf("migrate %s -> %s: %w", key, to, err)
		case ok:
			rep.Renamed++
		default:
			rep.Kept++
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("migrate: SCAN %s: %w", rn.match, err)
	}
	return nil
}
