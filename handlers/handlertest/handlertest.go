// Package handlertest runs a shop reaction on an event through the real
// wiring (runtimetest.Invoke: decoding, the type filter, the envelope
// check, the reaction, panic recovery, the timeout) and says what the
// runtime would do: the events it emits, read back as shop events, or how
// it fails — permanently (dead-lettered at once) or to be retried.
//
//	res := handlertest.Run(t, billing.Function(dir), handlertest.Event(model.OrderAccepted, `{"id":"o1",…}`))
//	if res.Err != nil || len(res.Events) != 1 { … }
package handlertest

import (
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/runtimetest"
)

// The envelope Event gives a test event.
const (
	EventID       = "e1"
	CorrelationID = "r1"
)

// Event is an event of eventType with data (a JSON object), id EventID and
// correlation id CorrelationID, as a command or a reaction publishes one.
func Event(eventType, data string) model.Event {
	return model.Event{Type: eventType, ID: EventID, CorrelationID: CorrelationID, Data: []byte(data)}
}

// Result is what one run came to.
type Result struct {
	runtime.Outcome
	// Events are the Outcome's emits as shop events.
	Events []model.Event
}

// Run runs fn once on ev as the stream of its type delivers it. It fails
// the test if an emitted event is not a shop event or not on the stream
// of its type.
func Run(t testing.TB, fn runtime.Function, ev model.Event) Result {
	t.Helper()
	stream := model.StreamOf(ev.Type)
	res := Result{Outcome: runtimetest.Invoke(t, fn, stream, ev.Fields())}
	for _, e := range res.Emits {
		out, err := model.EventFromFields(e.Stream, "", e.Fields)
		if err != nil {
			t.Fatalf("handlertest: %s emitted %v: %v", fn.Name, e.Fields, err)
		}
		if want := model.StreamOf(out.Type); e.Stream != want {
			t.Fatalf("handlertest: %s emitted %s to %s, want %s", fn.Name, out.Type, e.Stream, want)
		}
		res.Events = append(res.Events, out)
	}
	return res
}

// RequirePermanent runs fn on an event of each type it handles with data
// and fails the test unless every run fails permanently, emitting nothing:
// how a handler shows that an event it can never handle is dead-lettered
// at once, never retried.
func RequirePermanent(t *testing.T, fn runtime.Function, data string) {
	t.Helper()
	for _, typ := range fn.Types {
		t.Run(typ, func(t *testing.T) {
			res := Run(t, fn, Event(typ, data))
			if !res.Permanent || res.Err == nil || len(res.Emits) != 0 {
				t.Errorf("%s with data %s: outcome %+v, want a permanent failure", typ, data, res.Outcome)
			}
		})
	}
}
