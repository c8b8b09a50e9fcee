package gateway

import (
	"context"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// createOrders checks the customers, the products and the stock, then
// publishes order.created; the inventory function then accepts or rejects
// each order. The checks read the projections as they are and wait for
// the projector or the inventory function to catch up only when the answer
// would be a refusal, so that a busy shop does not make every order wait.
func (g *Gateway) createOrders(w http.ResponseWriter, r *http.Request) error {
	ids, orders, err := decodeEntities[orderIn](r)
	if err != nil {
		return err
	}
	units := map[string]int{}
	for _, o := range orders {
		if err := g.checkOrderRefsCaughtUp(w, r, o); err != nil {
			return err
		}
		for p, n := range o.Units() {
			units[p] += n
		}
	}
	if err := g.checkStock(r.Context(), units, nil); err != nil {
		return err
	}
	return publishCreated(g, w, r, "orders", model.OrderCreated, ids, orders)
}

// updateOrder replaces an order's customer and products; the inventory
// function re-reserves (the order is pending until then). A paid order
// cannot change (409).
func (g *Gateway) updateOrder(w http.ResponseWriter, r *http.Request) error {
	id := pathID(r)
	in, err := decodeOne[orderIn](r)
	if err != nil {
		return err
	}
	if err := checkPathID(in.ID, id); err != nil {
		return err
	}
	o, err := in.entity(id)
	if err != nil {
		return err
	}
	old, err := g.mustOrder(w, r, id)
	if err != nil {
		return err
	}
	if old.Status == model.StatusPaid {
		return errorf(http.StatusConflict, "order %s is paid and cannot change", id)
	}
	if err := g.checkOrderRefs(w, r, o); err != nil {
		return err
	}
	var held map[string]int
	if old.Status == model.StatusAccepted {
		held = old.Units()
	}
	if err := g.checkStock(r.Context(), o.Units(), held); err != nil {
		return err
	}
	return g.publishUpdated(w, r, model.OrderUpdated, id, o)
}

func (g *Gateway) deleteOrder(w http.ResponseWriter, r *http.Request) error {
	o, err := g.mustOrder(w, r, pathID(r))
	if err != nil {
		return err
	}
	snapshot := model.Order{ID: o.ID, CustomerID: o.CustomerID, ProductIDs: o.ProductIDs}
	return g.publishDeleted(w, r, model.AggOrder, o.ID, snapshot)
}

// checkOrderRefsCaughtUp answers 404 for an unknown or deleted customer or
// product. The read model is trusted when it knows every reference (a
// deletion is caught by its guard, written with the deleting command);
// only a miss waits for the projector to catch up before it is final.
func (g *Gateway) checkOrderRefsCaughtUp(w http.ResponseWriter, r *http.Request, o model.Order) error {
	if err := g.checkOrderRefs(w, r, o); err == nil {
		return g.notDeleted(r, o)
	} else if !isNotFound(err) {
		return err
	}
	if err := g.catchUp(w, r); err != nil {
		return err
	}
	return g.checkOrderRefs(w, r, o)
}

// notDeleted answers 404 when a reference was deleted by a command the
// projector has not applied yet.
func (g *Gateway) notDeleted(r *http.Request, o model.Order) error {
	keys := []string{deletedGuardKey(model.AggCustomer, o.CustomerID)}
	for p := range o.Units() {
		keys = append(keys, deletedGuardKey(model.AggProduct, p))
	}
	n, err := g.cfg.Redis.Exists(r.Context(), keys...).Result()
	if err != nil {
		return err
	}
	if n > 0 {
		return errorf(http.StatusNotFound, "order refers to a deleted customer or product")
	}
	return nil
}

// checkOrderRefs answers 404 for an unknown customer or product.
func (g *Gateway) checkOrderRefs(w http.ResponseWriter, r *http.Request, o model.Order) error {
	if err := g.customerExists(w, r, o.CustomerID); err != nil {
		return err
	}
	for p := range o.Units() {
		if err := g.productExists(w, r, p); err != nil {
			return err
		}
	}
	return nil
}

// checkStock answers 409 when the stock cannot cover units, counting held
// (what the order holds already) as available. Stock that covers the order
// now lets it through at once (the inventory function has the last word);
// a shortfall is only answered once the inventory function has applied
// every inventory and order event published so far, so that stock freed
// a moment ago counts. If it is behind, the check is skipped and the
// inventory function decides alone.
func (g *Gateway) checkStock(ctx context.Context, units, held map[string]int) error {
	if short, err := g.shortfall(ctx, units, held); err != nil || !short {
		return err
	}
	pos, err := runtime.Positions(ctx, g.cfg.Redis, model.Stream(model.AggInventory), model.Stream(model.AggOrder))
	if err != nil {
		return err
	}
	err = runtime.WaitCaughtUp(ctx, g.cfg.Redis, model.FunctionInventory, pos, g.cfg.WaitTimeout)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		g.cfg.Logger.Warn("inventory function behind; stock check skipped")
		return nil
	}
	if err != nil {
		return err
	}
	return g.coverStock(ctx, units, held)
}

// shortfall reports whether the stock, as it is now, falls short of units.
func (g *Gateway) shortfall(ctx context.Context, units, held map[string]int) (bool, error) {
	levels, err := g.stock.Levels(ctx)
	if err != nil {
		return false, err
	}
	for p, n := range units {
		if levels[p]+int64(held[p]) < int64(n) {
			return true, nil
		}
	}
	return false, nil
}

// coverStock answers 409 for the first product the stock cannot cover.
func (g *Gateway) coverStock(ctx context.Context, units, held map[string]int) error {
	levels, err := g.stock.Levels(ctx)
	if err != nil {
		return err
	}
	for p, n := range units {
		if levels[p]+int64(held[p]) < int64(n) {
			g.cfg.Logger.Debug("out of stock", zap.String("product_id", p), zap.Int("want", n), zap.Int64("have", levels[p]+int64(held[p])))
			return errorf(http.StatusConflict, "out of stock: product %s has %d units, the order needs %d", p, levels[p]+int64(held[p]), n)
		}
	}
	return nil
}
