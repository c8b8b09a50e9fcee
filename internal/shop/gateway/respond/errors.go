package respond

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error with the HTTP status it answers; its message is
// shown to the client.
type Error struct {
	status int
	msg    string
}

// Error is the message the client is shown.
func (e *Error) Error() string { return e.msg }

// Status is the HTTP status the error answers.
func (e *Error) Status() int { return e.status }

// Errorf makes an *Error answering status with the formatted message.
func Errorf(status int, format string, args ...any) error {
	return &Error{status: status, msg: fmt.Sprintf(format, args...)}
}

// BadRequest is Errorf with 400.
func BadRequest(format string, args ...any) error {
	return Errorf(http.StatusBadRequest, format, args...)
}

// NotFound is the 404 of an unknown or deleted entity: "<kind> <id> not
// found".
func NotFound(kind, id string) error {
	return Errorf(http.StatusNotFound, "%s %s not found", kind, id)
}

// IsNotFound reports whether err answers 404.
func IsNotFound(err error) bool {
	var ae *Error
	return errors.As(err, &ae) && ae.status == http.StatusNotFound
}
