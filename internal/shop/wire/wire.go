// Package wire adapts the shop's plain reactions (model.Reaction) to the
// runtime: it turns a runtime.Message into a model.Event, queues the
// reaction's events with msg.Emit (committed with the ack) and marks
// model.ErrBadEvent failures permanent.
package wire

import (
	"context"
	"errors"
	"sort"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// Handler runs r for each message.
func Handler(r model.Reaction) runtime.Handler {
	return runtime.HandlerFunc(func(ctx context.Context, msg *runtime.Message) error {
		ev, err := model.EventFromFields(msg.Stream, msg.ID, msg.Fields)
		if err != nil {
			return runtime.Permanent(err)
		}
		out, err := r(ctx, ev)
		if err != nil {
			if errors.Is(err, model.ErrBadEvent) {
				return runtime.Permanent(err)
			}
			return err
		}
		for _, e := range out {
			msg.Emit(model.StreamOf(e.Type), e.Fields())
		}
		return nil
	})
}

// Mux routes by event type to the reactions of routes and returns the mux
// with its type filter (sorted, for stable logs).
func Mux(routes map[string]model.Reaction) (*runtime.TypeMux, []string) {
	mux := runtime.NewTypeMux()
	for t, r := range routes {
		mux.On(t, Handler(r))
	}
	types := mux.Types()
	sort.Strings(types)
	return mux, types
}

// Function builds a runtime.Function named name over streams from routes,
// ordered per entity (the entity_id field).
func Function(name string, streams []string, routes map[string]model.Reaction) runtime.Function {
	mux, types := Mux(routes)
	return runtime.Function{
		Name: name, Streams: streams, Types: types, Handler: mux,
		OrderingKey: model.FieldEntityID,
	}
}
