// Package paging pages the REST dialect's lists: ?limit= and ?cursor=,
// the opaque cursors signed with a secret every gateway of the shop
// shares through Redis, and the body of a page.
package paging

import (
	"context"
	"net/http"
	"strconv"

	"github.com/ordershop/functions/internal/shop/gateway/respond"
	"github.com/ordershop/functions/internal/shop/readmodel"
)

// Paging of the REST dialect's lists.
const (
	// DefaultPageLimit is the page size when a request gives no limit.
	DefaultPageLimit = 100
	// MaxPageLimit is the largest limit a request may ask for.
	MaxPageLimit = 1000
)

// Params reads ?limit= and ?cursor=: the id to continue after (checked
// by cs) and the page size; either wrong is a 400.
func Params(r *http.Request, cs *Cursors) (after string, limit int, err error) {
	q := r.URL.Query()
	limit = DefaultPageLimit
	if s := q.Get("limit"); s != "" || q.Has("limit") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxPageLimit {
			return "", 0, respond.BadRequest("query parameter limit must be a whole number from 1 to %d", MaxPageLimit)
		}
		limit = n
	}
	if c := q.Get("cursor"); c != "" || q.Has("cursor") {
		if after, err = cs.Decode(r.Context(), c); err != nil {
			return "", 0, err
		}
	}
	return after, limit, nil
}

// Body is the body of a paged list: its items and, when more follow, the
// cursor of the next page.
type Body[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// NewBody is the body of page p, with the next page's cursor signed by cs.
func NewBody[T any](ctx context.Context, cs *Cursors, p readmodel.Page[T]) (Body[T], error) {
	out := Body[T]{Items: p.Items}
	if p.Next != "" {
		var err error
		if out.NextCursor, err = cs.Encode(ctx, p.Next); err != nil {
			return Body[T]{}, err
		}
	}
	return out, nil
}
