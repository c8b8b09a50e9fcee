// Package stock keeps the shop's available stock in Redis: an inventory
// entry sets its product's units, accepted orders reserve them, deleted
// orders give them back. Every change is one Lua script, so stock never goes below zero and
// a re-run of the same event changes nothing.
//
// Keys (see docs/data-model.md):
//
//	shop:stock                     HASH product id -> available units (int64)
//	{shop:stock}:entry:<inv id>    HASH product_id, amount, last (entry id)
//	{shop:stock}:order:<order id>  HASH state, units (JSON), reason, last
//
// All of them are in one Redis Cluster hash slot (the tag {shop:stock}
// hashes as the plain name shop:stock): an order reserves several
// products in one script, exactly as on one node, so the stock race stays
// exact. The price is that the whole stock is one slot on one master.
package stock

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Key names.
const (
	// LevelsKey is the hash of available units per product.
	LevelsKey = "shop:stock"
)

// EntryKey is the state of inventory entry inventoryID, in the slot of
// LevelsKey.
func EntryKey(inventoryID string) string { return "{" + LevelsKey + "}:entry:" + inventoryID }

// OrderKey is the reservation of order orderID, in the slot of LevelsKey.
func OrderKey(orderID string) string { return "{" + LevelsKey + "}:order:" + orderID }

// Store is the Redis-backed stock.
type Store struct {
	rdb redis.UniversalClient
}

// New returns a Store on rdb.
func New(rdb redis.UniversalClient) *Store { return &Store{rdb: rdb} }

// SetEntry sets the available stock of productID to amount units through
// inventory entry inventoryID (productID "" removes the entry, and the
// stock of the product it had). Units held by accepted orders stay held:
// they come back on top of amount if such an order is deleted. entryID is
// the stream entry id of the event: an event not newer than the last one
// applied is ignored.
func (s *Store) SetEntry(ctx context.Context, entryID, inventoryID, productID string, amount int64) error {
	keys := []string{LevelsKey, EntryKey(inventoryID)}
	if err := applyEntry.Run(ctx, s.rdb, keys, entryID, productID, amount).Err(); err != nil {
		return fmt.Errorf("stock entry %s: %w", inventoryID, err)
	}
	return nil
}

// Reserve replaces the reservation of orderID by units (product id ->
// units), all or nothing. It returns the state (model.Reserved, model.Rejected or
// model.Released for a deleted order) and, when rejected, why. Re-running the same
// entryID returns the same outcome without reserving again.
func (s *Store) Reserve(ctx context.Context, entryID, orderID string, units map[string]int) (state, reason string, err error) {
	want, err := json.Marshal(units)
	if err != nil {
		return "", "", fmt.Errorf("reserve %s: %w", orderID, err)
	}
	res, err := reserve.Run(ctx, s.rdb, []string{LevelsKey, OrderKey(orderID)}, entryID, want).StringSlice()
	if err != nil {
		return "", "", fmt.Errorf("reserve %s: %w", orderID, err)
	}
	if len(res) != 2 {
		return "", "", fmt.Errorf("reserve %s: unexpected reply %q", orderID, res)
	}
	return res[0], res[1], nil
}

// Covers reports whether the available units of every product cover units
// now (one HMGET; it reserves nothing).
func (s *Store) Covers(ctx context.Context, units map[string]int) (bool, error) {
	products := make([]string, 0, len(units))
	for p := range units {
		products = append(products, p)
	}
	if len(products) == 0 {
		return true, nil
	}
	have, err := s.rdb.HMGet(ctx, LevelsKey, products...).Result()
	if err != nil {
		return false, fmt.Errorf("stock of %v: %w", products, err)
	}
	for i, p := range products {
		v, _ := have[i].(string)
		n, _ := strconv.ParseInt(v, 10, 64)
		if n < int64(units[p]) {
			return false, nil
		}
	}
	return true, nil
}

// Release gives back what orderID holds, exactly once; it reports whether
// this call released it.
func (s *Store) Release(ctx context.Context, entryID, orderID string) (bool, error) {
	n, err := release.Run(ctx, s.rdb, []string{LevelsKey, OrderKey(orderID)}, entryID).Int()
	if err != nil {
		return false, fmt.Errorf("release %s: %w", orderID, err)
	}
	return n == 1, nil
}

// Levels returns the available units of every product that has stock.
func (s *Store) Levels(ctx context.Context) (map[string]int64, error) {
	raw, err := s.rdb.HGetAll(ctx, LevelsKey).Result()
	if err != nil {
		return nil, fmt.Errorf("HGETALL %s: %w", LevelsKey, err)
	}
	out := make(map[string]int64, len(raw))
	for p, v := range raw {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("stock of %s: %w", p, err)
		}
		out[p] = n
	}
	return out, nil
}

// LevelsOf returns the available units of each product, in order (0 for a
// product without stock).
func (s *Store) LevelsOf(ctx context.Context, products ...string) ([]int64, error) {
	raw, err := s.rdb.HMGet(ctx, LevelsKey, products...).Result()
	if err != nil {
		return nil, fmt.Errorf("HMGET %s: %w", LevelsKey, err)
	}
	out := make([]int64, len(products))
	for i, v := range raw {
		str, ok := v.(string)
		if !ok {
			continue
		}
		if out[i], err = strconv.ParseInt(str, 10, 64); err != nil {
			return nil, fmt.Errorf("stock of %s: %w", products[i], err)
		}
	}
	return out, nil
}
