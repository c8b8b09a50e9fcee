// Package failure holds the kinds of failure of an invocation (runtime's
// errors.go names them): permanent, a malformed entry, an unknown event
// type, a recovered panic.
package failure

import (
	"errors"
	"fmt"
)

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying; Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// DecodeError says a stream entry is not a well-formed event.
type DecodeError struct {
	Reason string
}

// Error says why the entry is malformed.
func (e *DecodeError) Error() string { return "malformed event: " + e.Reason }

// IsDecodeError reports whether err, or an error it wraps, is a
// *DecodeError.
func IsDecodeError(err error) bool {
	var d *DecodeError
	return errors.As(err, &d)
}

// UnknownTypeError is an event type a TypeMux has no handler for.
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
