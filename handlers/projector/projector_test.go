package projector_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/handlers/handlertest"
	"github.com/ordershop/functions/handlers/projector"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

// fakeModel records every call as a line.
type fakeModel struct{ calls []string }

func (f *fakeModel) Put(_ context.Context, agg, id string, v any) error {
	f.calls = append(f.calls, fmt.Sprintf("put %s %s %+v", agg, id, v))
	return nil
}
func (f *fakeModel) Delete(_ context.Context, agg, id string) error {
	f.calls = append(f.calls, "delete "+agg+" "+id)
	return nil
}
func (f *fakeModel) SetOrderStatus(_ context.Context, id, status, reason string) error {
	f.calls = append(f.calls, "status "+id+" "+status+" "+reason)
	return nil
}
func (f *fakeModel) MarkPaid(_ context.Context, orderID, billingID string) error {
	f.calls = append(f.calls, "paid "+orderID+" "+billingID)
	return nil
}
func (f *fakeModel) Unpay(_ context.Context, orderID, billingID string) error {
	f.calls = append(f.calls, "unpaid "+orderID+" "+billingID)
	return nil
}
func (f *fakeModel) RecordMail(_ context.Context, m model.Mail) error {
	f.calls = append(f.calls, "mail "+m.ID+" "+m.Kind)
	return nil
}

func TestRoutes(t *testing.T) {
	tests := []struct {
		name, typ, data string
		want            []string
		wantPermanent   bool
	}{
		{"customer created", model.CustomerCreated, `{"id":"c1","name":"Ann","email":"a@x"}`,
			[]string{"put customer c1 {ID:c1 Name:Ann Email:a@x}"}, false},
		{"product updated", model.ProductUpdated, `{"id":"p1","name":"Pen","price":250}`,
			[]string{"put product p1 {ID:p1 Name:Pen Price:250}"}, false},
		{"inventory deleted", model.InventoryDeleted, `{"id":"i1"}`, []string{"delete inventory i1"}, false},
		{"order updated goes pending", model.OrderUpdated, `{"id":"o1","customer_id":"c1","product_ids":["p1"]}`,
			[]string{"put order o1 {ID:o1 CustomerID:c1 ProductIDs:[p1] Status: Reason: BillingID:}", "status o1 pending "}, false},
		{"order rejected", model.OrderRejected, `{"id":"o1","reason":"out of stock: p1"}`,
			[]string{"status o1 rejected out of stock: p1"}, false},
		{"billing created", model.BillingCreated, `{"id":"b1","order_id":"o1","amount":3}`,
			[]string{"put billing b1 {ID:b1 OrderID:o1 CustomerID: Amount:3}", "paid o1 b1"}, false},
		{"mail sent", model.MailSent, `{"id":"m1","kind":"welcome"}`, []string{"mail m1 welcome"}, false},
		{"no id", model.CustomerCreated, `{"name":"Ann"}`, nil, true},
		{"bad data", model.OrderAccepted, `{"id":1}`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &fakeModel{}
			res := handlertest.Run(t, projector.New(m).Function(), handlertest.Event(tc.typ, tc.data))
			if res.Skipped {
				t.Fatalf("no route for %s", tc.typ)
			}
			out, err := res.Events, res.Err
			if (err != nil) != tc.wantPermanent || res.Permanent != tc.wantPermanent {
				t.Fatalf("err = %v (permanent %v), want permanent %v", err, res.Permanent, tc.wantPermanent)
			}
			if len(out) != 0 {
				t.Errorf("emitted %d events, want none", len(out))
			}
			if diff := cmp.Diff(tc.want, m.calls); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplySkipsUnknownTypes(t *testing.T) {
	m := &fakeModel{}
	if err := projector.New(m).Apply(context.Background(), handlertest.Event(model.MailRequested, `{}`)); err != nil {
		t.Fatal(err)
	}
	if len(m.calls) != 0 {
		t.Errorf("calls = %v, want none", m.calls)
	}
}

// TestApply: outside the runtime an event is projected through the same
// wiring; one the projector can never project is a permanent error.
func TestApply(t *testing.T) {
	m := &fakeModel{}
	p := projector.New(m)
	if err := p.Apply(context.Background(), handlertest.Event(model.InventoryDeleted, `{"id":"i1"}`)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"delete inventory i1"}, m.calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	for _, data := range []string{`{}`, `{"id":1}`, `[]`} {
		if err := p.Apply(context.Background(), handlertest.Event(model.CustomerCreated, data)); !runtime.IsPermanent(err) {
			t.Errorf("Apply(%s) = %v, want a permanent error", data, err)
		}
	}
}

func TestMalformedEventsArePermanent(t *testing.T) {
	for _, data := range []string{`{}`, `{"id":1}`} {
		handlertest.RequirePermanent(t, projector.New(&fakeModel{}).Function(), data)
	}
}
