package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/model"
)

// checkNewOrders checks the customers, the products and the stock of new
// orders; once they are published the inventory function accepts or
// rejects each. The checks read the projections as they are and wait for
// the projector or the inventory function to catch up only when the answer
// would be a refusal, so that a busy shop does not make every order wait.
func (g *Gateway) checkNewOrders(w http.ResponseWriter, r *http.Request, orders []model.Order) ([]eventstore.Guard, error) {
	units := map[string]int{}
	for _, o := range orders {
		if err := g.checkOrderRefsCaughtUp(w, r, o); err != nil {
			return nil, err
		}
		for p, n := range o.Units() {
			units[p] += n
		}
	}
	return nil, g.checkStock(r.Context(), units, nil)
}

// checkOrderUpdate checks an order's new customer, products and stock; the
// inventory function re-reserves (the order is pending until then). A paid
// order cannot change (409).
func (g *Gateway) checkOrderUpdate(w http.ResponseWriter, r *http.Request, old, o model.Order) (eventstore.Command, error) {
	if old.Status == model.StatusPaid {
		return eventstore.Command{}, respond.Errorf(http.StatusConflict, "order %s is paid and cannot change", o.ID)
	}
	if err := g.checkOrderRefsCaughtUp(w, r, o); err != nil {
		return eventstore.Command{}, err
	}
	var held map[string]int
	if old.Status == model.StatusAccepted {
		held = old.Units()
	}
	return eventstore.Command{}, g.checkStock(r.Context(), o.Units(), held)
}

// deletedOrder is the order as it was, without what the read model derives.
func deletedOrder(_ context.Context, o model.Order) (model.Order, []string, error) {
	return model.Order{ID: o.ID, CustomerID: o.CustomerID, ProductIDs: o.ProductIDs}, nil, nil
}

// checkOrderRefsCaughtUp answers 404 for an unknown or deleted customer or
// product. The read model is trusted when it knows every reference (a
// deletion is caught by its guard, written with the deleting command);
// only a miss waits for the projector to catch up before it is final.
func (g *Gateway) checkOrderRefsCaughtUp(w http.ResponseWriter, r *http.Request, o model.Order) error {
	if err := g.checkOrderRefs(w, r, o); err == nil {
		return g.notDeleted(r, o)
	} else if !respond.IsNotFound(err) {
		return err
	}
	if err := g.catchUp(w, r); err != nil {
		return err
	}
	return g.checkOrderRefs(w, r, o)
}

// notDeleted answers 404 when a reference was deleted by a command the
// projector has not applied yet. The guards are in their entities' slots:
// one EXISTS each, pipelined.
func (g *Gateway) notDeleted(r *http.Request, o model.Order) error {
	ctx := r.Context()
	key, err := g.deletedGuardKey(ctx, model.AggCustomer, o.CustomerID)
	if err != nil {
		return err
	}
	keys := []string{key}
	for p := range o.Units() {
		if key, err = g.deletedGuardKey(ctx, model.AggProduct, p); err != nil {
			return err
		}
		keys = append(keys, key)
	}
	cmds := make([]*redis.IntCmd, len(keys))
	if _, err := g.cfg.Redis.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Exists(ctx, k)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("deleted guards: %w", err)
	}
	for _, c := range cmds {
		if c.Val() > 0 {
			return respond.Errorf(http.StatusNotFound, "order refers to a deleted customer or product")
		}
	}
	return nil
}

// checkOrderRefs answers 404 for an unknown customer or product.
func (g *Gateway) checkOrderRefs(w http.ResponseWriter, r *http.Request, o model.Order) error {
	if _, err := g.customers.lookup(w, r, o.CustomerID); err != nil {
		return err
	}
	for p := range o.Units() {
		if _, err := g.products.lookup(w, r, p); err != nil {
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
	var short *respond.Error
	if err := g.coverStock(ctx, units, held); !errors.As(err, &short) {
		return err
	}
	streams, err := g.log.Streams(ctx, model.AggInventory, model.AggOrder)
	if err != nil {
		return err
	}
	behind, err := g.waitFor(ctx, model.FunctionInventory, streams...)
	if err != nil {
		return err
	}
	if behind {
		g.cfg.Logger.Warn("inventory function behind; stock check skipped")
		return nil
	}
	return g.coverStock(ctx, units, held)
}

// coverStock answers 409 for the first product the stock, as it is now,
// cannot cover.
func (g *Gateway) coverStock(ctx context.Context, units, held map[string]int) error {
	levels, err := g.stock.Levels(ctx)
	if err != nil {
		return err
	}
	for p, n := range units {
		if have := levels[p] + int64(held[p]); have < int64(n) {
			g.cfg.Logger.Debug("out of stock", zap.String("product_id", p), zap.Int("want", n), zap.Int64("have", have))
			return respond.Errorf(http.StatusConflict, "out of stock: product %s has %d units, the order needs %d", p, have, n)
		}
	}
	return nil
}
