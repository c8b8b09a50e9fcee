package model_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/partition"
	"github.com/ordershop/functions/runtime/runtimetest"
	"github.com/ordershop/functions/runtime/typed"
)

// testLog is the event log the reactions under test emit on: 8
// partitions per family.
var testLog = model.FixedLog(8)

// TestFunction: a shop reaction, run through the real wiring, emits its
// follow-ups to their entities' partitions with the envelope; a plain error is
// retried, a bad event and a malformed envelope are permanent.
func TestFunction(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name          string
		fields        map[string]string
		r             typed.Func[model.Order]
		wantErr       bool
		wantPermanent bool
		wantEmits     int
	}{
		{"emits to the event's stream", map[string]string{"type": "order.created", "event_id": "e1", "entity_id": "o1", "data": `{}`},
			func(ctx context.Context, msg *runtime.Message, _ model.Order) error {
				return testLog.FollowUp(ctx, msg, model.OrderAccepted, msg.Fields["entity_id"], "", model.OrderVerdict{ID: "o1"})
			}, false, false, 1},
		{"plain error is retried", map[string]string{"type": "order.created", "event_id": "e1", "data": `{}`},
			func(context.Context, *runtime.Message, model.Order) error { return boom }, true, false, 0},
		{"bad event is permanent", map[string]string{"type": "order.created", "event_id": "e1", "data": `{}`},
			func(_ context.Context, msg *runtime.Message, _ model.Order) error {
				return model.BadEvent(msg, "no %s", "id")
			}, true, true, 0},
		{"bad time is permanent", map[string]string{"type": "order.created", "event_id": "e1", "time": "noon", "data": `{}`},
			func(context.Context, *runtime.Message, model.Order) error { return nil }, true, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mux := runtime.NewTypeMux()
			typed.On(mux, model.OrderCreated, tc.r)
			out := runtimetest.Invoke(t, model.Function("f", mux), "events:order", tc.fields)
			if (out.Err != nil) != tc.wantErr || out.Permanent != tc.wantPermanent {
				t.Fatalf("err = %v (permanent %v)", out.Err, out.Permanent)
			}
			if tc.wantPermanent && !errors.Is(out.Err, model.ErrBadEvent) {
				t.Errorf("err = %v, want a bad event", out.Err)
			}
			if len(out.Emits) != tc.wantEmits {
				t.Fatalf("emitted %d, want %d", len(out.Emits), tc.wantEmits)
			}
			for _, e := range out.Emits {
				if e.Stream != partition.Stream("events:order", partition.Of("o1", 8)) || e.Fields["type"] != model.OrderAccepted || e.Fields["causation_id"] != "e1" || e.Fields["entity_id"] != "o1" {
					t.Errorf("emit %+v", e)
				}
			}
		})
	}
}

func TestFunctionShape(t *testing.T) {
	mux := runtime.NewTypeMux()
	for _, typ := range []string{model.OrderCreated, model.CustomerCreated, model.MailSent, model.OrderAccepted} {
		typed.On(mux, typ, func(context.Context, *runtime.Message, struct{}) error { return nil })
	}
	f := model.Function("crm", mux)
	if f.Name != "crm" || f.OrderingKey != "entity_id" || !f.Partitioned || len(f.Types) != 4 || f.Types[0] != model.CustomerCreated || len(f.Middleware) != 1 {
		t.Errorf("function = %+v", f)
	}
	want := []string{"events:customer", "events:order", "events:mail"}
	if len(f.Streams) != 3 || f.Streams[0] != want[0] || f.Streams[1] != want[1] || f.Streams[2] != want[2] {
		t.Errorf("streams = %v, want %v", f.Streams, want)
	}
}

func TestRequestMailOnAMessage(t *testing.T) {
	mux := runtime.NewTypeMux()
	typed.On(mux, model.CustomerCreated, func(ctx context.Context, msg *runtime.Message, c model.Customer) error {
		return testLog.RequestMail(ctx, msg, model.Mail{To: c.Email, Kind: model.MailWelcome})
	})
	fields := map[string]string{"type": model.CustomerCreated, "event_id": "e1", "correlation_id": "r1", "data": `{"email":"a@x"}`}
	out := runtimetest.Invoke(t, model.Function("crm", mux), "events:customer", fields)
	if out.Err != nil || len(out.Emits) != 1 {
		t.Fatalf("outcome = %+v", out)
	}
	e, err := model.EventFromFields(out.Emits[0].Stream, "", out.Emits[0].Fields)
	var m model.Mail
	if err != nil || e.Decode(&m) != nil || e.Type != model.MailRequested || e.CorrelationID != "r1" || m.CauseEventID != "e1" || m.ID == "" || e.EntityID != m.ID {
		t.Errorf("emitted %+v (%+v), %v", e, m, err)
	}
	if want := partition.Stream("events:mail", partition.Of(m.ID, 8)); out.Emits[0].Stream != want {
		t.Errorf("mail requested on %s, want the mail's partition %s", out.Emits[0].Stream, want)
	}
}

func TestStreamsOf(t *testing.T) {
	got := model.StreamsOf(model.MailSent, "thing.x", model.OrderCreated, model.CustomerCreated, model.OrderDeleted)
	want := []string{"events:customer", "events:order", "events:mail", "events:thing"}
	if len(got) != len(want) {
		t.Fatalf("StreamsOf = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("StreamsOf = %v, want %v", got, want)
		}
	}
}
