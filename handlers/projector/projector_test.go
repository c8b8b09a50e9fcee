package projector_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/handlers/projector"
	"github.com/ordershop/functions/internal/shop/model"
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
		wantBad         bool
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
			r := projector.New(m).Routes()[tc.typ]
			if r == nil {
				t.Fatalf("no route for %s", tc.typ)
			}
			out, err := r(context.Background(), model.Event{Type: tc.typ, ID: "e1", Data: []byte(tc.data)})
			if got := errors.Is(err, model.ErrBadEvent); got != tc.wantBad {
				t.Fatalf("err = %v, want bad event %v", err, tc.wantBad)
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
	if _, err := projector.New(m).Apply(context.Background(), model.Event{Type: model.MailRequested, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if len(m.calls) != 0 {
		t.Errorf("calls = %v, want none", m.calls)
	}
}
