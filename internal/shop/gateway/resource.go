package gateway

import (
	"context"
	"net/http"

	"github.com/ordershop/functions/internal/shop/eventstore"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
)

// resource is one entity of the API (customer, product, inventory, order,
// billing): its handlers are the same for every entity, and its fields
// hold what differs: where it is read and what its commands check beyond
// the body.
type resource[T any] struct {
	g *Gateway
	// kind is the aggregate: the stream events:<kind>, the event types
	// <kind>.created, <kind>.updated and <kind>.deleted, and the word for
	// the entity in answers.
	kind string
	// location is the REST path of a created entity: RESTPrefix/<location>/<id>.
	location string
	// catchUp is what a list of the entities waits for first (a read of
	// one waits for its partition: catchUpEntity).
	catchUp func(http.ResponseWriter, *http.Request) error
	// read returns one entity; ok is false for an unknown or deleted id.
	read func(ctx context.Context, id string) (v T, ok bool, err error)
	// list is every entity, or a page of them.
	list list[T]
	// decodeNew decodes a POST body into new entities and their ids, made
	// by newIDs.
	decodeNew func(r *http.Request, newIDs func(n int) []string) ([]string, []T, error)
	// decodeReplacement decodes a PUT body into the entity id.
	decodeReplacement func(r *http.Request, id string) (T, error)
	// checkCreate, if set, refuses new entities or answers the guards that
	// their creation sets.
	checkCreate func(w http.ResponseWriter, r *http.Request, items []T) ([]eventstore.Guard, error)
	// checkUpdate, if set, refuses replacing old by v or answers the
	// guards the update sets and releases.
	checkUpdate func(w http.ResponseWriter, r *http.Request, old, v T) (eventstore.Command, error)
	// deleted, if set, is what a deletion publishes (the entity as it was)
	// and the guard keys it releases.
	deleted func(ctx context.Context, v T) (T, []string, error)
	// place, if set, gives a new entity its id in the partition of the
	// entity it goes with (see placement.go), instead of the command's.
	place func(ctx context.Context, v T) (T, string, error)
}

// entityHandlers are the handlers of one entity's routes.
type entityHandlers struct {
	list, create, get, update, delete respond.Handler
}

// handlers are the resource's handlers.
func (res *resource[T]) handlers() entityHandlers {
	return entityHandlers{list: res.listAll, create: res.create, get: res.get, update: res.update, delete: res.delete}
}

// must returns the entity id after catching up on what it depends on
// (catchUpEntity: its partition), or a 404 (503 when the read model is
// behind: see missing).
func (res *resource[T]) must(w http.ResponseWriter, r *http.Request, id string) (T, error) {
	if err := res.g.catchUpEntity(w, r, res.kind, id); err != nil {
		var zero T
		return zero, err
	}
	return res.lookup(w, r, id)
}

// lookup is must for a caller that caught up already.
func (res *resource[T]) lookup(w http.ResponseWriter, r *http.Request, id string) (T, error) {
	v, ok, err := res.read(r.Context(), id)
	if err == nil && !ok {
		err = missing(w, res.kind, id)
	}
	return v, err
}

// missing answers an id the read model does not have: 404, or 503 when
// the read model is behind (the answer is stale), since the entity may be
// in the log and not projected yet.
func missing(w http.ResponseWriter, kind, id string) error {
	if w.Header().Get(staleHeader) == "true" {
		return respond.Errorf(http.StatusServiceUnavailable, "%s %s is not in the read model yet (projections are behind); try again", kind, id)
	}
	return respond.NotFound(kind, id)
}

// listAll answers every entity (seed dialect) or a page (REST).
func (res *resource[T]) listAll(w http.ResponseWriter, r *http.Request) error {
	return res.list.answer(w, r, res.g.cursors, res.catchUp)
}

// get answers one entity; see writeFound for an unknown id.
func (res *resource[T]) get(w http.ResponseWriter, r *http.Request) error {
	v, err := res.must(w, r, pathID(r))
	if err == nil && res.list.fill != nil {
		items := []T{v}
		err = res.list.fill(r.Context(), items)
		v = items[0]
	}
	return writeFound(w, r, v, err)
}

// create publishes <kind>.created for every entity of the body, all or
// none, and answers the new ids.
func (res *resource[T]) create(w http.ResponseWriter, r *http.Request) error {
	p, err := res.g.commandPartition(r, res.kind)
	if err != nil {
		return err
	}
	ids, items, err := res.decodeNew(r, func(n int) []string {
		ids, err := res.g.newIDsIn(r.Context(), res.kind, p, n)
		if err != nil {
			return newIDs(n)
		}
		return ids
	})
	if err != nil {
		return err
	}
	for i := range items {
		if res.place == nil {
			break
		}
		if items[i], ids[i], err = res.place(r.Context(), items[i]); err != nil {
			return err
		}
	}
	var guards []eventstore.Guard
	if res.checkCreate != nil {
		if guards, err = res.checkCreate(w, r, items); err != nil {
			return err
		}
	}
	return publishCreated(res.g, w, r, res.location, res.kind+".created", ids, items, guards...)
}

// update publishes <kind>.updated with the body's entity and answers it.
func (res *resource[T]) update(w http.ResponseWriter, r *http.Request) error {
	id := pathID(r)
	v, err := res.decodeReplacement(r, id)
	if err != nil {
		return err
	}
	old, err := res.must(w, r, id)
	if err != nil {
		return err
	}
	var cmd eventstore.Command
	if res.checkUpdate != nil {
		if cmd, err = res.checkUpdate(w, r, old, v); err != nil {
			return err
		}
	}
	return res.g.publishOne(w, r, cmd, res.kind+".updated", id, v)
}

// delete publishes <kind>.deleted once (a second delete is a 404) and
// answers the entity as it was.
func (res *resource[T]) delete(w http.ResponseWriter, r *http.Request) error {
	id := pathID(r)
	v, err := res.must(w, r, id)
	if err != nil {
		return err
	}
	var release []string
	if res.deleted != nil {
		if v, release, err = res.deleted(r.Context(), v); err != nil {
			return err
		}
	}
	return res.g.publishDeleted(w, r, res.kind, id, v, release...)
}
