// Package handlertest runs a shop reaction on an event through the real
// wiring (runtime.Invoke: decoding, the type filter, the envelope
// check, the reaction, panic recovery, the timeout) and says what the
// runtime would do: the events it emits, read back as shop events, or how
// it fails — permanently (dead-lettered at once) or to be retried.
//
//	res := handlertest.Run(t, billing.Function(dir, handlertest.Log), handlertest.Event(model.OrderAccepted, `{"id":"o1",…}`))
//	if res.Err != nil || len(res.Events) != 1 { … }
package handlertest

import (
	"context"
	"slices"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
)

// The envelope Event gives a test event.
const (
	EventID       = "e1"
	CorrelationID = "r1"
)

// Partitions is the partition count of every family of Log.
const Partitions = 16

// Log is the event log a reaction under test emits on: every family of
// Partitions partitions, without Redis (model.FixedLog).
var Log = model.FixedLog(Partitions)

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

// Run runs fn once on ev as the partition of its entity in Log delivers
// it. It fails the test if an emitted event is not a shop event or not on
// the partition of its entity in the family of its type.
func Run(t testing.TB, fn runtime.Function, ev model.Event) Result {
	t.Helper()
	stream := streamOf(t, ev)
	// runtimetest.Invoke wants one of fn.Streams: a family of a
	// Partitioned function, where the runtime delivers its partitions.
	family, _, ok := partition.Parse(stream)
	if !ok || !slices.Contains(fn.Streams, family) {
		t.Fatalf("handlertest: function %s does not read %s (it reads %v)", fn.Name, stream, fn.Streams)
	}
	res := Result{Outcome: runtime.Invoke(t.Context(), fn, stream, ev.Fields())}
	for _, e := range res.Emits {
		out, err := model.EventFromFields(e.Stream, "", e.Fields)
		if err != nil {
			t.Fatalf("handlertest: %s emitted %v: %v", fn.Name, e.Fields, err)
		}
		if want := streamOf(t, out); e.Stream != want {
			t.Fatalf("handlertest: %s emitted %s to %s, want %s", fn.Name, out.Type, e.Stream, want)
		}
		res.Events = append(res.Events, out)
	}
	return res
}

// streamOf is the partition of Log that e goes to.
func streamOf(t testing.TB, e model.Event) string {
	t.Helper()
	stream, err := Log.StreamOf(context.Background(), e)
	if err != nil {
		t.Fatalf("handlertest: %v", err)
	}
	return stream
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
