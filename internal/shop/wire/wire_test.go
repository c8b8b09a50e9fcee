package wire_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/shop/wire"
	"github.com/ordershop/functions/runtime"
)

func TestHandler(t *testing.T) {
	boom := errors.New("boom")
	emit := func(_ context.Context, e model.Event) ([]model.Event, error) {
		out, err := e.FollowUp(model.OrderAccepted, e.EntityID, "", model.OrderVerdict{ID: e.EntityID})
		return []model.Event{out}, err
	}
	tests := []struct {
		name          string
		fields        map[string]string
		r             model.Reaction
		wantErr       bool
		wantPermanent bool
		wantEmits     int
	}{
		{"emits to the event's stream", map[string]string{"type": "order.created", "event_id": "e1", "entity_id": "o1", "data": `{}`}, emit, false, false, 1},
		{"plain error is retried", map[string]string{"type": "order.created", "event_id": "e1", "data": `{}`},
			func(context.Context, model.Event) ([]model.Event, error) { return nil, boom }, true, false, 0},
		{"bad event is permanent", map[string]string{"type": "order.created", "event_id": "e1", "data": `{}`},
			func(context.Context, model.Event) ([]model.Event, error) { return nil, model.ErrBadEvent }, true, true, 0},
		{"bad time is permanent", map[string]string{"type": "order.created", "event_id": "e1", "time": "noon", "data": `{}`}, emit, true, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg := &runtime.Message{Stream: "events:order", ID: "1-0", Fields: tc.fields}
			err := wire.Handler(tc.r).Handle(context.Background(), msg)
			if (err != nil) != tc.wantErr || runtime.IsPermanent(err) != tc.wantPermanent {
				t.Fatalf("err = %v (permanent %v)", err, runtime.IsPermanent(err))
			}
			emits := msg.Emitted()
			if len(emits) != tc.wantEmits {
				t.Fatalf("emitted %d, want %d", len(emits), tc.wantEmits)
			}
			for _, e := range emits {
				if e.Stream != "events:order" || e.Fields["type"] != model.OrderAccepted || e.Fields["causation_id"] != "e1" {
					t.Errorf("emit %+v", e)
				}
			}
		})
	}
}

func TestFunction(t *testing.T) {
	f := wire.Function("crm", []string{"events:customer"}, map[string]model.Reaction{
		"b.x": nil, "a.x": nil,
	})
	if f.Name != "crm" || f.OrderingKey != "entity_id" || len(f.Types) != 2 || f.Types[0] != "a.x" {
		t.Errorf("function = %+v", f)
	}
}
