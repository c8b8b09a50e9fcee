package gateway

import (
	"net/http"

	"github.com/ordershop/functions/internal/shop/model"
)

// must returns the entity id of kind from get after catching up (with the
// projector, and for orders and inventory with the inventory function
// first), or a 404. When the projector did not catch up in time (the
// answer is stale) a miss is not final: the entity may be in the log and
// not projected yet, so the answer is 503, to be retried, not 404.
func must[T any](g *Gateway, w http.ResponseWriter, r *http.Request, kind, id string,
	catchUp func(http.ResponseWriter, *http.Request) error, get func(*http.Request, string) (T, bool, error)) (T, error) {
	var zero T
	if err := catchUp(w, r); err != nil {
		return zero, err
	}
	v, ok, err := get(r, id)
	if err != nil {
		return zero, err
	}
	if !ok {
		return zero, missing(w, kind, id)
	}
	return v, nil
}

// missing answers an id the read model does not have: 404, or 503 when
// the read model is behind (the answer is stale), since the entity may be
// in the log and not projected yet.
func missing(w http.ResponseWriter, kind, id string) error {
	if w.Header().Get(staleHeader) == "true" {
		return errorf(http.StatusServiceUnavailable, "%s %s is not in the read model yet (projections are behind); try again", kind, id)
	}
	return notFound(kind, id)
}

func (g *Gateway) mustCustomer(w http.ResponseWriter, r *http.Request, id string) (model.Customer, error) {
	return must(g, w, r, "customer", id, g.catchUp, func(r *http.Request, id string) (model.Customer, bool, error) {
		return g.reads.Customer(r.Context(), id)
	})
}

func (g *Gateway) mustProduct(w http.ResponseWriter, r *http.Request, id string) (model.Product, error) {
	return must(g, w, r, "product", id, g.catchUp, func(r *http.Request, id string) (model.Product, bool, error) {
		return g.reads.Product(r.Context(), id)
	})
}

func (g *Gateway) mustInventory(w http.ResponseWriter, r *http.Request, id string) (model.Inventory, error) {
	return must(g, w, r, "inventory", id, g.catchUpOrders, func(r *http.Request, id string) (model.Inventory, bool, error) {
		return g.reads.Inventory(r.Context(), id)
	})
}

func (g *Gateway) mustOrder(w http.ResponseWriter, r *http.Request, id string) (model.Order, error) {
	return must(g, w, r, "order", id, g.catchUpOrders, func(r *http.Request, id string) (model.Order, bool, error) {
		return g.reads.Order(r.Context(), id)
	})
}

func (g *Gateway) mustBilling(w http.ResponseWriter, r *http.Request, id string) (model.Billing, error) {
	return must(g, w, r, "billing", id, g.catchUp, func(r *http.Request, id string) (model.Billing, bool, error) {
		return g.reads.Billing(r.Context(), id)
	})
}

// productExists answers 404 for an unknown product (the caller caught up;
// 503 if that answer is stale).
func (g *Gateway) productExists(w http.ResponseWriter, r *http.Request, id string) error {
	_, ok, err := g.reads.Product(r.Context(), id)
	if err != nil {
		return err
	}
	if !ok {
		return missing(w, "product", id)
	}
	return nil
}

// customerExists answers 404 for an unknown customer (the caller caught
// up; 503 if that answer is stale).
func (g *Gateway) customerExists(w http.ResponseWriter, r *http.Request, id string) error {
	_, ok, err := g.reads.Customer(r.Context(), id)
	if err != nil {
		return err
	}
	if !ok {
		return missing(w, "customer", id)
	}
	return nil
}
