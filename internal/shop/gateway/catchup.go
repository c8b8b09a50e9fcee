package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// staleHeader marks an answer served from a read model that did not catch
// up in time.
const staleHeader = "X-Read-Stale"

// Read-your-writes on a partitioned log: a query waits, bounded by
// WaitTimeout, until the functions it reads from have handled every event
// published before it, of the partitions that can change its answer. A
// list waits for every partition; a query about one entity for its
// partition of its family (where all its own events are), plus every
// partition of the families whose events about other entities change it
// (entityWaits).

// entityWait is one function a read of an entity waits for: the entity's
// partition of its own family, and every partition of the families of
// all.
type entityWait struct {
	function string
	all      []string
	why      string
}

// entityWaits are the waits of a read of one entity, per aggregate, in
// order: the inventory function's first (its verdicts and stock are
// events and writes the projector then applies).
var entityWaits = map[string][]entityWait{
	model.AggCustomer: {projectorWait()},
	model.AggProduct:  {projectorWait()},
	model.AggBilling:  {projectorWait()},
	// An entry's live stock is what every order left (any partition).
	model.AggInventory: {inventoryWait(model.AggOrder), projectorWait()},
	// An order's verdict is an event of its own partition; its payment is
	// a billing (any partition of events:billing).
	model.AggOrder: {inventoryWait(), projectorWait(model.AggBilling)},
}

func projectorWait(all ...string) entityWait {
	return entityWait{function: model.FunctionProjector, all: all, why: "read model behind; answering stale"}
}

func inventoryWait(all ...string) entityWait {
	return entityWait{function: model.FunctionInventory, all: all, why: "inventory function behind; answering without its latest verdicts"}
}

// waitFor waits, bounded by WaitTimeout, until function has handled every
// event of streams (partitions, never a family's name: no entry is there)
// published before now. behind is true when it did not in time (and the
// request is still live): the caller answers without it.
func (g *Gateway) waitFor(ctx context.Context, function string, streams ...string) (behind bool, err error) {
	for _, s := range streams {
		if _, _, ok := partition.Parse(s); !ok {
			return false, fmt.Errorf("read-your-writes: %s is no partition stream", s)
		}
	}
	pos, err := runtime.Positions(ctx, g.cfg.Redis, streams...)
	if err != nil {
		return false, err
	}
	err = runtime.WaitCaughtUp(ctx, g.cfg.Redis, function, pos, g.cfg.WaitTimeout)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return true, nil
	}
	return false, err
}

// waitOrStale is waitFor that marks the answer stale (X-Read-Stale: true)
// and logs why when function is behind.
func (g *Gateway) waitOrStale(w http.ResponseWriter, r *http.Request, function, why string, streams []string) error {
	behind, err := g.waitFor(r.Context(), function, streams...)
	if behind {
		w.Header().Set(staleHeader, "true")
		g.cfg.Logger.Warn(why, zap.String("path", r.URL.Path))
	}
	return err
}

// catchUp waits, bounded, until the projector has applied every event
// published before now, in every partition. If it does not in time, the
// answer is marked stale rather than failed.
func (g *Gateway) catchUp(w http.ResponseWriter, r *http.Request) error {
	streams, err := g.log.Streams(r.Context())
	if err != nil {
		return err
	}
	return g.waitOrStale(w, r, model.FunctionProjector, projectorWait().why, streams)
}

// catchUpOrders is catchUp for lists of orders and stock: it first waits
// (bounded) until the inventory function has decided every order and
// applied every inventory event published before the query, so that the
// verdicts and the stock it writes are there, then for the projector.
func (g *Gateway) catchUpOrders(w http.ResponseWriter, r *http.Request) error {
	streams, err := g.log.Streams(r.Context(), model.AggOrder, model.AggInventory)
	if err != nil {
		return err
	}
	if err := g.waitOrStale(w, r, model.FunctionInventory, inventoryWait().why, streams); err != nil {
		return err
	}
	return g.catchUp(w, r)
}

// catchUpRefs waits, bounded, until the projector has applied every event
// published before now in the partitions of the entities ids of
// aggregate: what a command that reads other entities (a billing's
// prices, an inventory entry's product) waits for first.
func (g *Gateway) catchUpRefs(w http.ResponseWriter, r *http.Request, aggregate string, ids ...string) error {
	var streams []string
	for _, id := range ids {
		s, err := g.log.EntityStream(r.Context(), aggregate, id)
		if err != nil {
			return err
		}
		if !slices.Contains(streams, s) {
			streams = append(streams, s)
		}
	}
	if len(streams) == 0 {
		return nil
	}
	return g.waitOrStale(w, r, model.FunctionProjector, projectorWait().why, streams)
}

// catchUpEntity waits, bounded, for what a read of entity id of aggregate
// depends on (entityWaits): its own partition, never the others of its
// family.
func (g *Gateway) catchUpEntity(w http.ResponseWriter, r *http.Request, aggregate, id string) error {
	for _, wt := range entityWaits[aggregate] {
		own, err := g.log.EntityStream(r.Context(), aggregate, id)
		if err != nil {
			return err
		}
		streams := []string{own}
		if len(wt.all) > 0 {
			others, err := g.log.Streams(r.Context(), wt.all...)
			if err != nil {
				return err
			}
			streams = append(streams, others...)
		}
		if err := g.waitOrStale(w, r, wt.function, wt.why, streams); err != nil {
			return err
		}
	}
	return nil
}
