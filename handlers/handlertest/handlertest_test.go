package handlertest_test

import (
	"context"
	"fmt"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/ordershop/functions/handlers/handlertest"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/typed"
)

// fatalRecorder is a testing.TB whose Fatalf records the message and
// stops the goroutine, as testing's does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	goruntime.Goexit()
}

// fatalOf runs f on a fatalRecorder and returns what it failed with.
func fatalOf(t *testing.T, f func(tb testing.TB)) string {
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(rec)
	}()
	<-done
	return rec.msg
}

// emitting is a function that emits fields to stream on order.created.
func emitting(stream string, fields map[string]string) runtime.Function {
	mux := runtime.NewTypeMux()
	typed.On(mux, model.OrderCreated, func(_ context.Context, msg *runtime.Message, _ struct{}) error {
		msg.Emit(stream, fields)
		return nil
	})
	return model.Function("f", mux)
}

// TestRunRefusesEmitsTheShopCannotRead: an emit on the wrong stream, or
// one that is no shop event, fails the test.
func TestRunRefusesEmitsTheShopCannotRead(t *testing.T) {
	tests := []struct {
		name, stream string
		fields       map[string]string
		want         string
	}{
		{"wrong stream", "events:order", model.Event{Type: model.MailRequested, ID: "m1", Data: []byte(`{}`)}.Fields(), "want events:mail"},
		{"no event id", "events:mail", map[string]string{"type": model.MailRequested, "data": `{}`}, "missing type or event_id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fn := emitting(tc.stream, tc.fields)
			msg := fatalOf(t, func(tb testing.TB) { handlertest.Run(tb, fn, handlertest.Event(model.OrderCreated, `{}`)) })
			if !strings.Contains(msg, tc.want) {
				t.Errorf("Run failed with %q, want %q", msg, tc.want)
			}
		})
	}
	ok := emitting("events:mail", model.Event{Type: model.MailRequested, ID: "m1", Data: []byte(`{}`)}.Fields())
	res := handlertest.Run(t, ok, handlertest.Event(model.OrderCreated, `{}`))
	if len(res.Events) != 1 || res.Events[0].ID != "m1" {
		t.Errorf("events = %+v, want m1", res.Events)
	}
}
