package input

import (
	"errors"
	"io"
	"net/http"

	"github.com/ordershop/functions/internal/shop/gateway/respond"
)

// LimitBody is middleware that caps every request body at max bytes: a
// larger Content-Length answers 413 at once; reading past max fails with
// *http.MaxBytesError, which ReadBody answers with 413.
func LimitBody(max int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				respond.WriteError(w, tooLarge(max))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, max)
			next.ServeHTTP(w, r)
		})
	}
}

// tooLarge is the 413 of a body past limit bytes.
func tooLarge(limit int64) error {
	return respond.Errorf(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", limit)
}

// ReadBody reads the request body, answering 413 past the limit that
// LimitBody set.
func ReadBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return nil, tooLarge(maxBytes.Limit)
	case err != nil:
		return nil, respond.BadRequest("read body: %v", err)
	}
	return body, nil
}
