package gateway

import (
	"context"
	"errors"
	"net/http"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway/input"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/model"
)

// createBilling records the payment of an accepted order: 404 for an
// unknown order, 409 for one that is paid already (even by a concurrent
// request) or not accepted. The amount is the order's total.
func (g *Gateway) createBilling(w http.ResponseWriter, r *http.Request) error {
	in, err := input.DecodeOne[input.Billing](r)
	if err != nil {
		return err
	}
	if err := input.NeedID("order_id", in.OrderID); err != nil {
		return err
	}
	o, err := g.orders.must(w, r, *in.OrderID)
	if err != nil {
		return err
	}
	switch o.Status {
	case model.StatusPaid:
		return respond.Errorf(http.StatusConflict, "order %s is paid already", o.ID)
	case model.StatusAccepted:
	default:
		return respond.Errorf(http.StatusConflict, "order %s is %s, not accepted", o.ID, o.Status)
	}
	// The billing is in its order's partition, with the order's paid guard.
	p, err := g.partitionOf(r.Context(), model.AggOrder, o.ID)
	if err != nil {
		return err
	}
	ids, err := g.newIDsIn(r.Context(), model.AggBilling, p, 1)
	if err != nil {
		return err
	}
	b, err := g.bill(w, r, ids[0], o)
	if err != nil {
		return err
	}
	guard, err := g.paidGuard(r.Context(), o.ID, b.ID)
	if err != nil {
		return err
	}
	return publishCreated(g, w, r, "billings", model.BillingCreated, []string{b.ID}, []model.Billing{b}, guard)
}

// deletedBilling releases the paid guard of the billing's order: it may
// be paid again.
func (g *Gateway) deletedBilling(ctx context.Context, b model.Billing) (model.Billing, []string, error) {
	key, err := g.paidGuardKey(ctx, b.OrderID)
	return b, []string{key}, err
}

// bill makes billing id of order o, for the order's total now: the prices
// of its products once the projector has caught up on their partitions.
func (g *Gateway) bill(w http.ResponseWriter, r *http.Request, id string, o model.Order) (model.Billing, error) {
	if err := g.catchUpRefs(w, r, model.AggProduct, o.ProductIDs...); err != nil {
		return model.Billing{}, err
	}
	total, err := model.Total(r.Context(), g.reads, o.ProductIDs)
	if errors.Is(err, model.ErrTotalTooLarge) {
		return model.Billing{}, respond.Errorf(http.StatusConflict, "order %s cannot be billed: %v", o.ID, err)
	}
	if err != nil {
		return model.Billing{}, err
	}
	return model.Billing{ID: id, OrderID: o.ID, CustomerID: o.CustomerID, Amount: total}, nil
}

// updateBilling re-issues a payment for its order's total now; the body
// may carry what a GET answered, but not another order.
func (g *Gateway) updateBilling(w http.ResponseWriter, r *http.Request) error {
	id := pathID(r)
	in, err := input.DecodeOne[input.Billing](r)
	if err != nil {
		return err
	}
	if err := input.CheckPathID(in.ID, id); err != nil {
		return err
	}
	old, err := g.billings.must(w, r, id)
	if err != nil {
		return err
	}
	if in.OrderID != nil && *in.OrderID != old.OrderID {
		return respond.BadRequest("field order_id: billing %s pays order %s; a payment cannot move to another order", id, old.OrderID)
	}
	o, err := g.orders.must(w, r, old.OrderID)
	if err != nil {
		return err
	}
	b, err := g.bill(w, r, id, o)
	if err != nil {
		return err
	}
	return g.publishOne(w, r, eventstore.Command{}, model.BillingUpdated, id, b)
}
