package gateway

import (
	"context"
	"net/http"
	"strconv"

	"github.com/ordershop/functions/internal/shop/readmodel"
)

// Paging of the REST dialect's lists.
const (
	// DefaultPageLimit is the page size when a request gives no limit.
	DefaultPageLimit = 100
	// MaxPageLimit is the largest limit a request may ask for.
	MaxPageLimit = 1000
)

// pageParams reads ?limit= and ?cursor=: the id to continue after and the
// page size.
func pageParams(r *http.Request, cs *cursors) (after string, limit int, err error) {
	q := r.URL.Query()
	limit = DefaultPageLimit
	if s := q.Get("limit"); s != "" || q.Has("limit") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageLimit {
			return "", 0, badRequest("query parameter limit must be a whole number from 1 to %d", MaxPageLimit)
		}
		limit = n
	}
	if c := q.Get("cursor"); c != "" || q.Has("cursor") {
		if after, err = cs.decode(r.Context(), c); err != nil {
			return "", 0, err
		}
	}
	return after, limit, nil
}

// pageAnswer is the body of a paged list.
type pageAnswer[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

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
func (l list[T]) answer(w http.ResponseWriter, r *http.Request, cs *cursors, catchUp func(http.ResponseWriter, *http.Request) error) error {
	rest := dialectOf(r) == restDialect
	var after string
	var limit int
	if rest {
		var err error
		if after, limit, err = pageParams(r, cs); err != nil {
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
		return writeJSON(w, http.StatusOK, p.Items)
	}
	out := pageAnswer[T]{Items: p.Items}
	if p.Next != "" {
		if out.NextCursor, err = cs.encode(ctx, p.Next); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, out)
}
