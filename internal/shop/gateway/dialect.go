package gateway

import (
	"context"
	"net/http"

	"github.com/ordershop/functions/internal/shop/gateway/respond"
)

// dialect is the shape of the answers: the seed's (every success 200,
// unknown ids null, full lists) or REST under /v1 (201 + Location, 404,
// paged lists). The handlers are the same; only the answers differ.
type dialect int

const (
	// seedDialect answers as the seed's gateway did, at the seed's paths.
	seedDialect dialect = iota
	// restDialect answers with REST semantics, under RESTPrefix.
	restDialect
)

// RESTPrefix is the path prefix of the REST dialect.
const RESTPrefix = "/v1"

type dialectKey struct{}

// withDialect is middleware that marks requests with d.
func withDialect(d dialect) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), dialectKey{}, d)))
		})
	}
}

// dialectOf is the dialect of a request (the seed's by default).
func dialectOf(r *http.Request) dialect {
	d, _ := r.Context().Value(dialectKey{}).(dialect)
	return d
}

// createdAnswer answers a create with the new ids: 200 in the seed
// dialect; 201 in REST, with a Location when one entity was created.
func createdAnswer(r *http.Request, plural string, ids []string) (respond.Answer, error) {
	if dialectOf(r) == seedDialect {
		return respond.NewAnswer(http.StatusOK, ids)
	}
	a, err := respond.NewAnswer(http.StatusCreated, ids)
	if len(ids) == 1 {
		a.Location = RESTPrefix + "/" + plural + "/" + ids[0]
	}
	return a, err
}

// writeFound answers one entity of a GET: v, or for an unknown or deleted
// id (err a 404) null with 200 in the seed dialect and the 404 in REST.
func writeFound[T any](w http.ResponseWriter, r *http.Request, v T, err error) error {
	if respond.IsNotFound(err) && dialectOf(r) == seedDialect {
		return respond.WriteJSON(w, http.StatusOK, nil)
	}
	if err != nil {
		return err
	}
	return respond.WriteJSON(w, http.StatusOK, v)
}
