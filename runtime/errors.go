package runtime

import (
	"errors"
	"fmt"
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: the runtime dead-letters the
// event on this attempt. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// DecodeError says a stream entry is not a well-formed event (a required
// field is missing or data is not a JSON object). It is always permanent.
type DecodeError struct {
	Reason string
}

// Error says why the entry is malformed.
func (e *DecodeError) Error() string { return "malformed event: " + e.Reason }

// UnknownTypeError is returned by TypeMux for an event type it has no
// handler for.
type UnknownTypeError struct{ Type string }

// Error names the type.
func (e *UnknownTypeError) Error() string { return fmt.Sprintf("unknown event type %q", e.Type) }

// PanicError is the failure a recovered handler panic turns into.
type PanicError struct {
	Value any
	Stack []byte
}

// Error gives the panic value; the stack is in Stack.
func (e *PanicError) Error() string { return fmt.Sprintf("handler panic: %v", e.Value) }
