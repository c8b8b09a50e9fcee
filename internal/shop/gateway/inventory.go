package gateway

import (
	"context"
	"net/http"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/model"
)

// A product has at most one inventory entry (its guard key holds the
// entry's id). The entry's amount is the product's stock: a command sets
// it, the inventory function takes accepted orders' units off it, and
// queries answer what is left.

// checkNewInventory refuses entries for unknown products, or for a product
// listed twice, and answers the guards that give each product one entry.
func (g *Gateway) checkNewInventory(w http.ResponseWriter, r *http.Request, invs []model.Inventory) ([]eventstore.Guard, error) {
	products := make([]string, len(invs))
	for i, inv := range invs {
		products[i] = inv.ProductID
	}
	if err := g.catchUpRefs(w, r, model.AggProduct, products...); err != nil {
		return nil, err
	}
	guards := make([]eventstore.Guard, len(invs))
	seen := map[string]bool{}
	for i, inv := range invs {
		if seen[inv.ProductID] {
			return nil, respond.Errorf(http.StatusConflict, "product %s is listed twice: a product has one inventory entry", inv.ProductID)
		}
		seen[inv.ProductID] = true
		if _, err := g.products.lookup(w, r, inv.ProductID); err != nil {
			return nil, err
		}
		var err error
		if guards[i], err = g.inventoryGuard(r.Context(), inv.ProductID, inv.ID); err != nil {
			return nil, err
		}
	}
	return guards, nil
}

// placeInventory gives a new entry an id in its product's partition, with
// the product's guard.
func (g *Gateway) placeInventory(ctx context.Context, inv model.Inventory) (model.Inventory, string, error) {
	if inv.ProductID == "" {
		return inv, inv.ID, nil
	}
	p, err := g.partitionOf(ctx, model.AggProduct, inv.ProductID)
	if err != nil {
		return inv, "", err
	}
	ids, err := g.newIDsIn(ctx, model.AggInventory, p, 1)
	if err != nil {
		return inv, "", err
	}
	inv.ID = ids[0]
	return inv, inv.ID, nil
}

// checkInventoryUpdate refuses an unknown product; an entry moved to
// another product takes that product's guard and releases the old one's.
func (g *Gateway) checkInventoryUpdate(w http.ResponseWriter, r *http.Request, old, inv model.Inventory) (eventstore.Command, error) {
	var cmd eventstore.Command
	if err := g.catchUpRefs(w, r, model.AggProduct, inv.ProductID); err != nil {
		return cmd, err
	}
	if _, err := g.products.lookup(w, r, inv.ProductID); err != nil {
		return cmd, err
	}
	if old.ProductID != inv.ProductID {
		guard, err := g.inventoryGuard(r.Context(), inv.ProductID, inv.ID)
		if err != nil {
			return cmd, err
		}
		release, err := g.inventoryGuardKey(r.Context(), old.ProductID)
		if err != nil {
			return cmd, err
		}
		cmd.Guards, cmd.Release = []eventstore.Guard{guard}, []string{release}
	}
	return cmd, nil
}

// deletedInventory releases the product's guard: it may have an entry again.
func (g *Gateway) deletedInventory(ctx context.Context, inv model.Inventory) (model.Inventory, []string, error) {
	key, err := g.inventoryGuardKey(ctx, inv.ProductID)
	return inv, []string{key}, err
}

// liveStock sets each entry's Amount to its product's available stock.
func (g *Gateway) liveStock(ctx context.Context, invs []model.Inventory) error {
	if len(invs) == 0 {
		return nil
	}
	products := make([]string, len(invs))
	for i, inv := range invs {
		products[i] = inv.ProductID
	}
	levels, err := g.stock.LevelsOf(ctx, products...)
	if err != nil {
		return err
	}
	for i := range invs {
		invs[i].Amount = levels[i]
	}
	return nil
}
