package runtime

import (
	"context"
	"runtime/debug"
)

// recoverer turns a panic of the handler (or of a middleware inside it)
// into a *PanicError with the stack: the attempt fails like any other.
// It catches panic(nil) too.
func recoverer(next Handler) Handler {
	return HandlerFunc(func(ctx context.Context, msg *Message) (err error) {
		panicked := true
		defer func() {
			if !panicked {
				return
			}
			p := recover()
			err = &PanicError{Value: p, Stack: debug.Stack()}
		}()
		err = next.Handle(ctx, msg)
		panicked = false
		return err
	})
}
