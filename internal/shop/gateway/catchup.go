package gateway

import (
	"context"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// staleHeader marks an answer served from a read model that did not catch
// up in time.
const staleHeader = "X-Read-Stale"

// waitFor waits, bounded by WaitTimeout, until function has handled every
// event of streams published before now. behind is true when it did not
// in time (and the request is still live): the caller answers without it.
func (g *Gateway) waitFor(ctx context.Context, function string, streams ...string) (behind bool, err error) {
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

// catchUp waits, bounded, until the projector has applied every event
// published before now. If it does not in time, the answer is marked
// stale rather than failed.
func (g *Gateway) catchUp(w http.ResponseWriter, r *http.Request) error {
	behind, err := g.waitFor(r.Context(), model.FunctionProjector, model.Streams()...)
	if behind {
		w.Header().Set(staleHeader, "true")
		g.cfg.Logger.Warn("read model behind; answering stale", zap.String("path", r.URL.Path))
	}
	return err
}

// catchUpOrders is catchUp for queries about orders and stock: it first
// waits (bounded) until the inventory function has decided every order
// and applied every inventory event published before the query, so that
// the verdicts and the stock it writes are there, then for the projector.
func (g *Gateway) catchUpOrders(w http.ResponseWriter, r *http.Request) error {
	behind, err := g.waitFor(r.Context(), model.FunctionInventory, model.Stream(model.AggOrder), model.Stream(model.AggInventory))
	if err != nil {
		return err
	}
	if behind {
		w.Header().Set(staleHeader, "true")
		g.cfg.Logger.Warn("inventory function behind; answering without its latest verdicts", zap.String("path", r.URL.Path))
	}
	return g.catchUp(w, r)
}
