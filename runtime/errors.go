package runtime

import "github.com/ordershop/functions/runtime/internal/failure"

// Permanent marks err as not worth retrying: the runtime dead-letters the
// event on this attempt. Permanent(nil) is nil.
func Permanent(err error) error { return failure.Permanent(err) }

// IsPermanent reports whether err, or an error it wraps, was marked Permanent.
func IsPermanent(err error) bool { return failure.IsPermanent(err) }

// DecodeError says a stream entry is not a well-formed event (a required
// field is missing or data is not a JSON object). It is always permanent.
// Its Reason says why; Error gives "malformed event: <reason>".
type DecodeError = failure.DecodeError

// UnknownTypeError is returned by TypeMux for an event type it has no
// handler for; its Type names it.
type UnknownTypeError = failure.UnknownTypeError

// PanicError is the failure a recovered handler panic turns into: Value
// is what was passed to panic, Stack the goroutine's stack then.
type PanicError = failure.PanicError

func isDecodeError(err error) bool { return failure.IsDecodeError(err) }
