package gateway

import (
	"context"
	"net/http"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
)

// A product has at most one inventory entry (its guard key holds the
// entry's id). The entry's amount is the product's stock: a command sets
// it, the inventory function takes accepted orders' units off it, and
// queries answer what is left.

func (g *Gateway) createInventory(w http.ResponseWriter, r *http.Request) error {
	ids, out, err := decodeEntities[inventoryIn](r)
	if err != nil {
		return err
	}
	if err := g.catchUp(w, r); err != nil {
		return err
	}
	guards := make([]eventstore.Guard, len(out))
	seen := map[string]bool{}
	for i, inv := range out {
		if seen[inv.ProductID] {
			return errorf(http.StatusConflict, "product %s is listed twice: a product has one inventory entry", inv.ProductID)
		}
		seen[inv.ProductID] = true
		if err := g.productExists(w, r, inv.ProductID); err != nil {
			return err
		}
		guards[i] = inventoryGuard(inv.ProductID, inv.ID)
	}
	return publishCreated(g, w, r, "inventory", model.InventoryCreated, ids, out, guards...)
}

func (g *Gateway) updateInventory(w http.ResponseWriter, r *http.Request) error {
	id := pathID(r)
	in, err := decodeOne[inventoryIn](r)
	if err != nil {
		return err
	}
	if err := checkPathID(in.ID, id); err != nil {
		return err
	}
	inv, err := in.entity(id)
	if err != nil {
		return err
	}
	old, err := g.mustInventory(w, r, id)
	if err != nil {
		return err
	}
	if err := g.productExists(w, r, inv.ProductID); err != nil {
		return err
	}
	var cmd eventstore.Command
	if old.ProductID != inv.ProductID {
		cmd.Guards = []eventstore.Guard{inventoryGuard(inv.ProductID, id)}
		cmd.Release = []string{inventoryGuardKey(old.ProductID)}
	}
	return g.publishOne(w, r, cmd, model.InventoryUpdated, id, inv)
}

func (g *Gateway) deleteInventory(w http.ResponseWriter, r *http.Request) error {
	inv, err := g.mustInventory(w, r, pathID(r))
	if err != nil {
		return err
	}
	return g.publishDeleted(w, r, model.AggInventory, inv.ID, inv, inventoryGuardKey(inv.ProductID))
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
