package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// apiError is an error with the HTTP status it answers.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return errorf(http.StatusBadRequest, format, args...)
}
func notFound(kind, id string) error { return errorf(http.StatusNotFound, "%s %s not found", kind, id) }

// isNotFound reports whether err answers 404.
func isNotFound(err error) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.status == http.StatusNotFound
}

// writeJSON answers v as JSON with status, as every answer is written
// (see answer.write); an error means v does not encode and nothing was
// written.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	a, err := newAnswer(status, v)
	if err != nil {
		return err
	}
	a.write(w)
	return nil
}

// errorBody is the body of every error answer.
func errorBody(msg string) map[string]string { return map[string]string{"error": msg} }

// writeError answers err as {"error": "..."}: an apiError with its status,
// Redis unreachable (see unavailable) as 503, anything else as 500; the
// details of the last two are logged, not shown.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		_ = writeJSON(w, ae.status, errorBody(ae.msg))
	case unavailable(err):
		_ = writeJSON(w, http.StatusServiceUnavailable, errorBody("storage unavailable, try again"))
	default:
		w.Header().Set("X-Internal-Error", "1")
		_ = writeJSON(w, http.StatusInternalServerError, errorBody("internal error"))
	}
}

// unavailable reports whether err means Redis could not be reached or
// could not answer: a network error, a connection that died mid-command
// (EOF; the command may or may not have been applied), a closed or
// exhausted pool, or a Redis still loading its data after a restart.
func unavailable(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted) ||
		redis.HasErrorPrefix(err, "LOADING")
}

// readBody reads the request body, answering 413 past the limit that the
// body-limit middleware set.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, errorf(http.StatusRequestEntityTooLarge, "request body larger than %d bytes", tooLarge.Limit)
	case err != nil:
		return nil, badRequest("read body: %v", err)
	}
	return body, nil
}

// decodeStrict decodes one JSON value into v, refusing unknown fields,
// wrong types and trailing data.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid JSON: %v", err)
	}
	// More is false before a stray '}' or ']' too: only EOF ends the body.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("invalid JSON: trailing data")
	}
	return nil
}

// decodeOneOrMany decodes a body holding one JSON object or an array of
// them into a slice of T; an empty array is a bad request.
func decodeOneOrMany[T any](r *http.Request) ([]T, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "[") {
		var many []T
		if err := decodeStrict(body, &many); err != nil {
			return nil, err
		}
		if len(many) == 0 {
			return nil, badRequest("empty array")
		}
		if len(many) > MaxEntitiesPerRequest {
			return nil, badRequest("%d entities in one request; at most %d", len(many), MaxEntitiesPerRequest)
		}
		return many, nil
	}
	if !strings.HasPrefix(trimmed, "{") {
		return nil, badRequest("want a JSON object or an array of objects")
	}
	var one T
	if err := decodeStrict(body, &one); err != nil {
		return nil, err
	}
	return []T{one}, nil
}

// decodeOne decodes a body holding one JSON object.
func decodeOne[T any](r *http.Request) (T, error) {
	var v T
	body, err := readBody(r)
	if err != nil {
		return v, err
	}
	if !strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		return v, badRequest("want a JSON object")
	}
	return v, decodeStrict(body, &v)
}
