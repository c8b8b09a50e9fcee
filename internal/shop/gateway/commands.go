package gateway

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
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

// publish writes one eventType event per entity, all or none, with cmd's
// guards and releases, and answers a.
func publish[T any](g *Gateway, w http.ResponseWriter, r *http.Request, cmd eventstore.Command, eventType string, ids []string, entities []T, a respond.Answer) error {
	for i, e := range entities {
		ev, err := model.NewEvent(eventType, ids[i], correlation(r), e)
		if err != nil {
			return err
		}
		cmd.Events = append(cmd.Events, ev)
	}
	return g.keys.Execute(w, r, cmd, a)
}

// publishCreated publishes one <aggregate>.created per entity, all or
// none (with the guards, if any), and answers the new ids.
func publishCreated[T any](g *Gateway, w http.ResponseWriter, r *http.Request, plural, eventType string, ids []string, entities []T, guards ...eventstore.Guard) error {
	a, err := createdAnswer(r, plural, ids)
	if err != nil {
		return err
	}
	return publish(g, w, r, eventstore.Command{Guards: guards}, eventType, ids, entities, a)
}

// publishOne publishes one event with the command's guards and answers the
// entity with 200.
func (g *Gateway) publishOne(w http.ResponseWriter, r *http.Request, cmd eventstore.Command, eventType, id string, entity any) error {
	a, err := respond.NewAnswer(http.StatusOK, entity)
	if err != nil {
		return err
	}
	return publish(g, w, r, cmd, eventType, []string{id}, []any{entity}, a)
}

// publishDeleted publishes <aggregate>.deleted with the entity as it was,
// once per entity (a second delete is a 404), releasing the guard keys
// given, and answers the entity.
func (g *Gateway) publishDeleted(w http.ResponseWriter, r *http.Request, aggregate, id string, entity any, release ...string) error {
	guard, err := g.deletedGuard(r.Context(), aggregate, id)
	if err != nil {
		return err
	}
	cmd := eventstore.Command{Guards: []eventstore.Guard{guard}, Release: release}
	return g.publishOne(w, r, cmd, aggregate+".deleted", id, entity)
}
