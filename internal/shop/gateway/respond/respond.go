// Package respond writes the shop API's JSON answers: success answers
// (Answer, recorded with a command for its Idempotency-Key), and errors
// with the status they answer (Error), Redis being unreachable answering
// 503 and anything else 500, without showing their details.
package respond

import (
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Handler serves a request or returns the error to answer (see
// WriteError).
type Handler func(w http.ResponseWriter, r *http.Request) error

// WriteJSON answers v as JSON with status, as every answer is written
// (see Answer.Write); an error means v does not encode and nothing was
// written.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	a, err := NewAnswer(status, v)
	if err != nil {
		return err
	}
	a.Write(w)
	return nil
}

// ErrorBody is the body of every error answer: {"error": msg}.
func ErrorBody(msg string) map[string]string { return map[string]string{"error": msg} }

// WriteError answers err as {"error": "..."}: an *Error with its status,
// Redis unreachable (see unavailable) as 503, anything else as 500; the
// details of the last two are logged by the caller, not shown.
func WriteError(w http.ResponseWriter, err error) {
	var ae *Error
	switch {
	case errors.As(err, &ae):
		_ = WriteJSON(w, ae.status, ErrorBody(ae.msg))
	case unavailable(err):
		_ = WriteJSON(w, http.StatusServiceUnavailable, ErrorBody("storage unavailable, try again"))
	default:
		w.Header().Set("X-Internal-Error", "1")
		_ = WriteJSON(w, http.StatusInternalServerError, ErrorBody("internal error"))
	}
}

// unavailable reports whether err means Redis could not be reached or
// could not answer: a network error, a connection that died mid-command
// (EOF; the command may or may not have been applied), a closed or
// exhausted pool, a Redis still loading its data after a restart, or a
// Redis Cluster between two states: a slot without a master until a
// replica takes over (CLUSTERDOWN), a multi-key command on a slot being
// migrated (TRYAGAIN), a replica without its master (MASTERDOWN), a write
// to a master demoted to replica (READONLY), or a redirect (MOVED, ASK)
// that go-redis's own retries did not outlast, as in a pipeline while its
// slot map is stale after a failover. None of them applied the command.
func unavailable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) || errors.Is(err, redis.ErrPoolExhausted) {
		return true
	}
	for _, prefix := range []string{"LOADING", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "READONLY", "MOVED", "ASK"} {
		if redis.HasErrorPrefix(err, prefix) {
			return true
		}
	}
	return false
}
