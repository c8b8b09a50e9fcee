package billing_test

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/ordershop/functions/handlers/billing"
	"github.com/ordershop/functions/handlers/handlertest"
	"github.com/ordershop/functions/internal/shop/model"
)

type fakeDir struct {
	customers map[string]model.Customer
	products  map[string]model.Product
}

func (d fakeDir) Customer(_ context.Context, id string) (model.Customer, bool, error) {
	c, ok := d.customers[id]
	return c, ok, nil
}
func (d fakeDir) Product(_ context.Context, id string) (model.Product, bool, error) {
	p, ok := d.products[id]
	return p, ok, nil
}

func TestRoutes(t *testing.T) {
	dir := fakeDir{
		customers: map[string]model.Customer{"c1": {ID: "c1", Name: "Ann", Email: "ann@x"}},
		products:  map[string]model.Product{"p1": {ID: "p1", Price: 250}, "p2": {ID: "p2", Price: 1000}, "big": {ID: "big", Price: math.MaxInt64}},
	}
	tests := []struct {
		name, typ, data string
		wantKind, want  string // want: the body; kind empty: no mail
		wantErr         bool
		wantPermanent   bool
	}{
		{"payment request with total", model.OrderAccepted, `{"id":"o1","customer_id":"c1","product_ids":["p1","p2","p1"]}`,
			model.MailPaymentRequest, "Hello Ann,\n\nplease pay 1500 for your order o1 (3 items).\n", false, false},
		{"unknown product is retried", model.OrderAccepted, `{"id":"o1","customer_id":"c1","product_ids":["p9"]}`, "", "", true, false},
		{"customer gone: no mail", model.OrderAccepted, `{"id":"o1","customer_id":"c9","product_ids":["p1"]}`, "", "", false, false},
		{"payment received", model.BillingCreated, `{"id":"b1","order_id":"o1","customer_id":"c1","amount":1500}`,
			model.MailPaymentReceived, "Hello Ann,\n\nwe received your payment of 1500 for order o1. Thank you!\n", false, false},
		{"total past int64 is a bad event", model.OrderAccepted, `{"id":"o1","customer_id":"c1","product_ids":["big","p1"]}`, "", "", true, true},
		{"billing without order", model.BillingCreated, `{"id":"b1","customer_id":"c1"}`, "", "", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := handlertest.Run(t, billing.Function(dir, handlertest.Log), handlertest.Event(tc.typ, tc.data))
			out, err := res.Events, res.Err
			if (err != nil) != tc.wantErr || res.Permanent != tc.wantPermanent {
				t.Fatalf("err = %v (permanent %v), want error %v (permanent %v)", err, res.Permanent, tc.wantErr, tc.wantPermanent)
			}
			if tc.wantPermanent && !errors.Is(err, model.ErrBadEvent) {
				t.Errorf("err = %v, want a bad event", err)
			}
			if tc.wantKind == "" {
				if len(out) != 0 {
					t.Fatalf("emitted %+v, want nothing", out)
				}
				return
			}
			var m model.Mail
			if len(out) != 1 || out[0].Decode(&m) != nil {
				t.Fatalf("emitted %+v, want one mail", out)
			}
			if m.Kind != tc.wantKind || m.Body != tc.want || m.To != "ann@x" || m.OrderID != "o1" {
				t.Errorf("mail = %+v", m)
			}
		})
	}
}

func TestMalformedEventsArePermanent(t *testing.T) {
	for _, data := range []string{`{}`, `{"id":1}`} {
		handlertest.RequirePermanent(t, billing.Function(fakeDir{}, handlertest.Log), data)
	}
}
