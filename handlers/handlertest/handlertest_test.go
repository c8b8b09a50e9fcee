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
	"github.com/ordershop/functions/runtime/partition"
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

// mail is the entry of a mail.requested event about mail id.
func mail(id string) map[string]string {
	return model.Event{Type: model.MailRequested, ID: id, EntityID: id, Data: []byte(`{}`)}.Fields()
}

// mailStream is the partition of events:mail of mail id.
func mailStream(id string) string {
	return partition.Stream("events:mail", partition.Of(id, handlertest.Partitions))
}

// TestRunRefusesEmitsTheShopCannotRead: an emit on the wrong stream (the
// wrong family, the wrong partition, the family's own name), or one that
// is no shop event, fails the test.
func TestRunRefusesEmitsTheShopCannotRead(t *testing.T) {
	tests := []struct {
		name, stream string
		fields       map[string]string
		want         string
	}{
		{"wrong family", "events:order:" + partition.Tag(partition.Of("m1", handlertest.Partitions)), mail("m1"), "want events:mail:"},
		{"wrong partition", "events:mail:" + partition.Tag(partition.Of("m1", handlertest.Partitions)), mail("m2"), "want " + mailStream("m2")},
		{"the family, not a partition", "events:mail", mail("m1"), "want " + mailStream("m1")},
		{"no event id", mailStream("m1"), map[string]string{"type": model.MailRequested, "data": `{}`}, "missing type or event_id"},
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
	ok := emitting(mailStream("m1"), mail("m1"))
	res := handlertest.Run(t, ok, handlertest.Event(model.OrderCreated, `{}`))
	if len(res.Events) != 1 || res.Events[0].ID != "m1" {
		t.Errorf("events = %+v, want m1", res.Events)
	}
}
