package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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

// answer is a success answer, known before the command's events are
// written so that it can be stored with them (Idempotency-Key).
type answer struct {
	Status   int             `json:"status"`
	Body     json.RawMessage `json:"body"`
	Location string          `json:"location,omitempty"`
}

// newAnswer encodes v as the body of an answer with status.
func newAnswer(status int, v any) (answer, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return answer{}, fmt.Errorf("encode answer: %w", err)
	}
	return answer{Status: status, Body: raw}, nil
}

// write sends the answer.
func (a answer) write(w http.ResponseWriter) {
	if a.Location != "" {
		w.Header().Set("Location", a.Location)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.Status)
	_, _ = w.Write(a.Body)
	_, _ = w.Write([]byte("\n"))
}

// createdAnswer answers a create with the new ids: 200 in the seed
// dialect; 201 in REST, with a Location when one entity was created.
func createdAnswer(r *http.Request, plural string, ids []string) (answer, error) {
	if dialectOf(r) == seedDialect {
		return newAnswer(http.StatusOK, ids)
	}
	a, err := newAnswer(http.StatusCreated, ids)
	if len(ids) == 1 {
		a.Location = RESTPrefix + "/" + plural + "/" + ids[0]
	}
	return a, err
}

// writeFound answers one entity of a GET: v, or for an unknown or deleted
// id (err a 404) null with 200 in the seed dialect and the 404 in REST.
func writeFound[T any](w http.ResponseWriter, r *http.Request, v T, err error) error {
	if isNotFound(err) && dialectOf(r) == seedDialect {
		return writeJSON(w, http.StatusOK, nil)
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}
