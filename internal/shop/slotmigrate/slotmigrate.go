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
	"github.com/ordershop/functions/runtime/partition"
)

// Options tune Run.
type Options struct {
	// Partitions is the partition count of an event log family not
	// created yet (the gateway's PARTITIONS; 0 means
	// partition.DefaultCount): a guard's new name holds its entity's
	// partition. An existing family keeps its count.
	Partitions int
	// DryRun renames nothing and creates no family: the Report says what
	// Run would do.
	DryRun bool
	// Each, if set, is told about every old key Run renames (or would).
	Each func(Move)
}

// Move is one old key and its new name.
type Move struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Kept: the new name exists already, so the old key is left (the new
	// key wins).
	Kept bool `json:"kept,omitempty"`
}

// Report counts what Run did (or, with DryRun, would do).
type Report struct {
	// Renamed keys; Kept old keys whose new name exists already (the new
	// key wins; the old one is left for inspection).
	Renamed int  `json:"renamed"`
	Kept    int  `json:"kept"`
	DryRun  bool `json:"dry_run,omitempty"`
	// Families are the counts of each family of old keys, in Run's order.
	Families []FamilyReport `json:"families"`
}

// FamilyReport counts one family of old keys.
type FamilyReport struct {
	// From is the SCAN pattern of the old keys, To the pattern of their
	// new names.
	From    string `json:"from"`
	To      string `json:"to"`
	Renamed int    `json:"renamed"`
	Kept    int    `json:"kept"`
}

// rename is one family of old keys: its SCAN pattern, the pattern of the
// new names (for reports) and the new name of a key of it ("" to leave
// it).
type rename struct {
	match, to string
	newName   func(ctx context.Context, key string) (string, error)
}

// Run renames every old key of rdb, a single Redis node (on a cluster a
// RENAME to another slot fails: migrate first, then move the data). Keys
// already slot-safe (with a hash tag) are left alone; Run may run again.
func Run(ctx context.Context, rdb *redis.Client, opts Options) (Report, error) {
	rep := Report{DryRun: opts.DryRun}
	log := model.NewLog(rdb, opts.Partitions)
	partitionOf := func(ctx context.Context, aggregate, id string) (int, error) {
		if opts.DryRun { // create no family
			fam, err := partition.Lookup(ctx, rdb, model.Stream(aggregate))
			if errors.Is(err, partition.ErrNotCreated) {
				fam, err = model.FixedLog(opts.Partitions).Family(ctx, aggregate)
			}
			return fam.Of(id), err
		}
		fam, err := log.Family(ctx, aggregate)
		return fam.Of(id), err
	}
	renames := []rename{
		{"shop:stock:entry:*", stock.EntryKey("*"), func(_ context.Context, k string) (string, error) {
			return stock.EntryKey(strings.TrimPrefix(k, "shop:stock:entry:")), nil
		}},
		{"shop:stock:order:*", stock.OrderKey("*"), func(_ context.Context, k string) (string, error) {
			return stock.OrderKey(strings.TrimPrefix(k, "shop:stock:order:")), nil
		}},
		{"shop:guard:deleted:*", "shop:guard:deleted:{p<p>}:*", func(ctx context.Context, k string) (string, error) {
			agg, id, ok := strings.Cut(strings.TrimPrefix(k, "shop:guard:deleted:"), ":")
			if !ok {
				return "", nil
			}
			p, err := partitionOf(ctx, agg, id)
			return gateway.DeletedGuardKey(p, agg, id), err
		}},
		{"shop:guard:paid:*", "shop:guard:paid:{p<p>}:*", func(ctx context.Context, k string) (string, error) {
			id := strings.TrimPrefix(k, "shop:guard:paid:")
			p, err := partitionOf(ctx, model.AggOrder, id)
			return gateway.PaidGuardKey(p, id), err
		}},
		{"shop:guard:inventory:*", "shop:guard:inventory:{p<p>}:*", func(ctx context.Context, k string) (string, error) {
			id := strings.TrimPrefix(k, "shop:guard:inventory:")
			p, err := partitionOf(ctx, model.AggProduct, id)
			return gateway.InventoryGuardKey(p, id), err
		}},
	}
	for _, rn := range renames {
		fr := FamilyReport{From: rn.match, To: rn.to}
		err := rn.run(ctx, rdb, opts, &fr)
		rep.Families = append(rep.Families, fr)
		rep.Renamed += fr.Renamed
		rep.Kept += fr.Kept
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// run renames the keys of one family.
func (rn rename) run(ctx context.Context, rdb *redis.Client, opts Options, rep *FamilyReport) error {
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
		var renamed bool
		if opts.DryRun {
			n, err := rdb.Exists(ctx, to).Result()
			if err != nil {
				return fmt.Errorf("migrate %s: EXISTS %s: %w", key, to, err)
			}
			renamed = n == 0
		} else {
			renamed, err = rdb.RenameNX(ctx, key, to).Result()
			switch {
			case errors.Is(err, redis.Nil) || err != nil && strings.Contains(err.Error(), "no such key"):
				continue // gone meanwhile
			case err != nil:
				return fmt.Errorf("migrate %s -> %s: %w", key, to, err)
			}
		}
		if renamed {
			rep.Renamed++
		} else {
			rep.Kept++
		}
		if opts.Each != nil {
			opts.Each(Move{From: key, To: to, Kept: !renamed})
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("migrate: SCAN %s: %w", rn.match, err)
	}
	return nil
}
