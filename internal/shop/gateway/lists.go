package gateway

import (
	"context"
	"net/http"

	"github.com/ordershop/functions/internal/shop/gateway/paging"
	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/readmodel"
)

// list is one list of the API: all of it (seed dialect) or a page (REST).
type list[T any] struct {
	all  func(ctx context.Context) ([]T, error)
	page func(ctx context.Context, after string, limit int) (readmodel.Page[T], error)
	// fill, if set, completes the items before they are answered (the
	// inventory's live stock).
	fill func(ctx context.Context, items []T) error
}

// answer serves the list in the request's dialect, after catching up; cs
// signs the cursors of the REST dialect.
func (l list[T]) answer(w http.ResponseWriter, r *http.Request, cs *paging.Cursors, catchUp func(http.ResponseWriter, *http.Request) error) error {
	rest := dialectOf(r) == restDialect
	var after string
	var limit int
	if rest {
		var err error
		if after, limit, err = paging.Params(r, cs); err != nil {
			return err
		}
	}
	if err := catchUp(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	var p readmodel.Page[T]
	var err error
	if rest {
		p, err = l.page(ctx, after, limit)
	} else {
		p.Items, err = l.all(ctx)
	}
	if err != nil {
		return err
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	if l.fill != nil {
		if err := l.fill(ctx, p.Items); err != nil {
			return err
		}
	}
	if !rest {
		return respond.WriteJSON(w, http.StatusOK, p.Items)
	}
	out, err := paging.NewBody(ctx, cs, p)
	if err != nil {
		return err
	}
	return respond.WriteJSON(w, http.StatusOK, out)
}
