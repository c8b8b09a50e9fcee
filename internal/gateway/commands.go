package gateway

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/model"
)

// correlation is the id that ties a request's events together.
func correlation(r *http.Request) string {
	if id := middleware.GetReqID(r.Context()); id != "" {
		return id
	}
	return uuid.NewString()
}

// publishCreated publishes one <aggregate>.created per entity, all or
// none, and answers 201 with their ids.
func publishCreated[T any](g *Gateway, w http.ResponseWriter, r *http.Request, eventType string, ids []string, entities []T) error {
	events := make([]model.Event, len(entities))
	for i, e := range entities {
		ev, err := model.NewEvent(eventType, ids[i], correlation(r), e)
		if err != nil {
			return err
		}
		events[i] = ev
	}
	if _, err := g.events.Publish(r.Context(), events...); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ids)
	return nil
}

// publishUpdated publishes <aggregate>.updated and answers 200 with the
// entity.
func (g *Gateway) publishUpdated(w http.ResponseWriter, r *http.Request, eventType, id string, entity any) error {
	ev, err := model.NewEvent(eventType, id, correlation(r), entity)
	if err != nil {
		return err
	}
	if _, err := g.events.Publish(r.Context(), ev); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, entity)
	return nil
}

// publishDeleted publishes <aggregate>.deleted with the entity as it was,
// once per entity: a second delete, even a concurrent one, is a 404.
func (g *Gateway) publishDeleted(w http.ResponseWriter, r *http.Request, aggregate, id string, entity any) error {
	ev, err := model.NewEvent(aggregate+".deleted", id, correlation(r), entity)
	if err != nil {
		return err
	}
	_, err = g.events.PublishGuarded(r.Context(), "shop:guard:deleted:"+aggregate+":"+id, ev)
	if errors.Is(err, eventstore.ErrGuarded) {
		return notFound(aggregate, id)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, entity)
	return nil
}

func newIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	return ids
}

func pathID(r *http.Request) string { return chi.URLParam(r, "id") }

func (g *Gateway) createCustomers(w http.ResponseWriter, r *http.Request) error {
	ins, err := decodeOneOrMany[customerIn](r)
	if err != nil {
		return err
	}
	ids := newIDs(len(ins))
	out := make([]model.Customer, len(ins))
	for i, in := range ins {
		if out[i], err = in.entity(ids[i]); err != nil {
			return err
		}
	}
	return publishCreated(g, w, r, model.CustomerCreated, ids, out)
}

func (g *Gateway) updateCustomer(w http.ResponseWriter, r *http.Request) error {
	id := pathID(r)
	in, err := decodeOne[customerIn](r)
	if err != nil {
		return err
	}
	if err := checkPathID(in.ID, id); err != nil {
		return err
	}
	c, err := in.entity(id)
	if err != nil {
		return err
	}
	if _, err := g.mustCustomer(w, r, id); err != nil {
		return err
	}
	return g.publishUpdated(w, r, model.CustomerUpdated, id, c)
}

func (g *Gateway) deleteCustomer(w http.ResponseWriter, r *http.Request) error {
	c, err := g.mustCustomer(w, r, pathID(r))
	if err != nil {
		return err
	}
	return g.publishDeleted(w, r, model.AggCustomer, c.ID, c)
}

func (g *Gateway) createProducts(w http.ResponseWriter, r *http.Request) error {
	ins, err := decodeOneOrMany[productIn](r)
	if err != nil {
		return err
	}
	ids := newIDs(len(ins))
	out := make([]model.Product, len(ins))
	for i, in := range ins {
		if out[i], err = in.entity(ids[i]); err != nil {
			return err
		}
	}
	return publishCreated(g, w, r, model.ProductCreated, ids, out)
}

func (g *Gateway) updateProduct(w http.ResponseWriter, r *http.Request) error {
	id := pathID(r)
	in, err := decodeOne[productIn](r)
	if err != nil {
		return err
	}
	if err := checkPathID(in.ID, id); err != nil {
		return err
	}
	p, err := in.entity(id)
	if err != nil {
		return err
	}
	if _, err := g.mustProduct(w, r, id); err != nil {
		return err
	}
	return g.publishUpdated(w, r, model.ProductUpdated, id, p)
}

func (g *Gateway) deleteProduct(w http.ResponseWriter, r *http.Request) error {
	p, err := g.mustProduct(w, r, pathID(r))
	if err != nil {
		return err
	}
	return g.publishDeleted(w, r, model.AggProduct, p.ID, p)
}

func (g *Gateway) createInventory(w http.ResponseWriter, r *http.Request) error {
	ins, err := decodeOneOrMany[inventoryIn](r)
	if err != nil {
		return err
	}
	ids := newIDs(len(ins))
	out := make([]model.Inventory, len(ins))
	for i, in := range ins {
		if out[i], err = in.entity(ids[i]); err != nil {
			return err
		}
	}
	if err := g.catchUp(w, r); err != nil {
		return err
	}
	for _, inv := range out {
		if err := g.productExists(r, inv.ProductID); err != nil {
			return err
		}
	}
	return publishCreated(g, w, r, model.InventoryCreated, ids, out)
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
	if _, err := g.mustInventory(w, r, id); err != nil {
		return err
	}
	if err := g.productExists(r, inv.ProductID); err != nil {
		return err
	}
	return g.publishUpdated(w, r, model.InventoryUpdated, id, inv)
}

func (g *Gateway) deleteInventory(w http.ResponseWriter, r *http.Request) error {
	inv, err := g.mustInventory(w, r, pathID(r))
	if err != nil {
		return err
	}
	return g.publishDeleted(w, r, model.AggInventory, inv.ID, inv)
}
