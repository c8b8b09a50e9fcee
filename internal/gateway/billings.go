package gateway

import (
	"errors"
	"net/http"

	"github.com/ordershop/functions/handlers/billing"
	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
)

// createBilling records the payment of an accepted order: 404 for an
// unknown order, 409 for one that is paid already (even by a concurrent
// request) or not accepted. The amount is the order's total.
func (g *Gateway) createBilling(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeOne[billingIn](r)
	if err != nil {
		return err
	}
	if err := needString("order_id", in.OrderID); err != nil {
		return err
	}
	o, err := g.mustOrder(w, r, *in.OrderID)
	if err != nil {
		return err
	}
	switch o.Status {
	case model.StatusPaid:
		return errorf(http.StatusConflict, "order %s is paid already", o.ID)
	case model.StatusAccepted:
	default:
		return errorf(http.StatusConflict, "order %s is %s, not accepted", o.ID, o.Status)
	}
	total, err := billing.Total(r.Context(), g.reads, o.ProductIDs)
	if err != nil {
		return err
	}
	b := model.Billing{ID: newIDs(1)[0], OrderID: o.ID, CustomerID: o.CustomerID, Amount: total}
	ev, err := model.NewEvent(model.BillingCreated, b.ID, correlation(r), b)
	if err != nil {
		return err
	}
	_, err = g.events.PublishGuarded(r.Context(), "shop:guard:paid:"+o.ID, ev)
	if errors.Is(err, eventstore.ErrGuarded) {
		return errorf(http.StatusConflict, "order %s is paid already", o.ID)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, []string{b.ID})
	return nil
}
