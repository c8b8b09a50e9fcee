package gateway

import (
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

// newIDs makes n entity ids: UUIDv7, so that id order is creation order.
func newIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = uuid.Must(uuid.NewV7()).String()
	}
	return ids
}

func pathID(r *http.Request) string { return chi.URLParam(r, "id") }

// events builds one event per entity.
func events[T any](r *http.Request, eventType string, ids []string, entities []T) ([]model.Event, error) {
	out := make([]model.Event, len(entities))
	for i, e := range entities {
		ev, err := model.NewEvent(eventType, ids[i], correlation(r), e)
		if err != nil {
			return nil, err
		}
		out[i] = ev
	}
	return out, nil
}

// publishCreated publishes one <aggregate>.created per entity, all or
// none (with the guards, if any), and answers the new ids.
func publishCreated[T any](g *Gateway, w http.ResponseWriter, r *http.Request, plural, eventType string, ids []string, entities []T, guards ...eventstore.Guard) error {
	evs, err := events(r, eventType, ids, entities)
	if err != nil {
		return err
	}
	a, err := createdAnswer(r, plural, ids)
	if err != nil {
		return err
	}
	return g.execute(w, r, eventstore.Command{Events: evs, Guards: guards}, a)
}

// publishOne publishes one event with the command's guards and answers the
// entity with 200.
func (g *Gateway) publishOne(w http.ResponseWriter, r *http.Request, cmd eventstore.Command, eventType, id string, entity any) error {
	ev, err := model.NewEvent(eventType, id, correlation(r), entity)
	if err != nil {
		return err
	}
	a, err := newAnswer(http.StatusOK, entity)
	if err != nil {
		return err
	}
	cmd.Events = []model.Event{ev}
	return g.execute(w, r, cmd, a)
}

// publishUpdated publishes <aggregate>.updated and answers the entity.
func (g *Gateway) publishUpdated(w http.ResponseWriter, r *http.Request, eventType, id string, entity any) error {
	return g.publishOne(w, r, eventstore.Command{}, eventType, id, entity)
}

// publishDeleted publishes <aggregate>.deleted with the entity as it was,
// once per entity (a second delete is a 404), releasing the guard keys
// given, and answers the entity.
func (g *Gateway) publishDeleted(w http.ResponseWriter, r *http.Request, aggregate, id string, entity any, release ...string) error {
	cmd := eventstore.Command{Guards: []eventstore.Guard{deletedGuard(aggregate, id)}, Release: release}
	return g.publishOne(w, r, cmd, aggregate+".deleted", id, entity)
}

// decodeEntities decodes a POST body of one or many T and validates each.
func decodeEntities[T interface{ entity(string) (E, error) }, E any](r *http.Request) ([]string, []E, error) {
	ins, err := decodeOneOrMany[T](r)
	if err != nil {
		return nil, nil, err
	}
	ids := newIDs(len(ins))
	out := make([]E, len(ins))
	for i, in := range ins {
		if out[i], err = in.entity(ids[i]); err != nil {
			return nil, nil, err
		}
	}
	return ids, out, nil
}

func (g *Gateway) createCustomers(w http.ResponseWriter, r *http.Request) error {
	ids, out, err := decodeEntities[customerIn](r)
	if err != nil {
		return err
	}
	return publishCreated(g, w, r, "customers", model.CustomerCreated, ids, out)
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
	ids, out, err := decodeEntities[productIn](r)
	if err != nil {
		return err
	}
	return publishCreated(g, w, r, "products", model.ProductCreated, ids, out)
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
