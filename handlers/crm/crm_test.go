package crm_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ordershop/functions/handlers/crm"
	"github.com/ordershop/functions/handlers/handlertest"
	"github.com/ordershop/functions/internal/shop/model"
)

// fakeDir is a Directory of fixed customers and products.
type fakeDir struct {
	customers map[string]model.Customer
	products  map[string]model.Product
	err       error
}

func (d fakeDir) Customer(_ context.Context, id string) (model.Customer, bool, error) {
	c, ok := d.customers[id]
	return c, ok, d.err
}
func (d fakeDir) Product(_ context.Context, id string) (model.Product, bool, error) {
	p, ok := d.products[id]
	return p, ok, d.err
}

func TestRoutes(t *testing.T) {
	dir := fakeDir{
		customers: map[string]model.Customer{"c1": {ID: "c1", Name: "Ann", Email: "ann@x"}},
		products:  map[string]model.Product{"p1": {ID: "p1", Name: "Pen"}},
	}
	boom := errors.New("boom")
	tests := []struct {
		name, typ, data string
		dir             fakeDir
		wantKind        string // empty: no mail
		wantBody        string
		wantErr         error // model.ErrBadEvent: any permanent failure
	}{
		{"welcome", model.CustomerCreated, `{"id":"c1","name":"Ann","email":"ann@x"}`, dir, model.MailWelcome, "Hello Ann,\n\nwelcome to OrderShop! We are glad to have you.\n", nil},
		{"goodbye", model.CustomerDeleted, `{"id":"c1","name":"Ann","email":"ann@x"}`, dir, model.MailGoodbye, "", nil},
		{"customer without email", model.CustomerCreated, `{"id":"c1"}`, dir, "", "", model.ErrBadEvent},
		{"thank you lists products", model.OrderAccepted, `{"id":"o1","customer_id":"c1","product_ids":["p1","p9"],"after":"order.created"}`, dir,
			model.MailThankYou, "Hello Ann,\n\nthank you for your order o1 of:\n  - Pen\n  - p9\n", nil},
		{"no thanks for an update", model.OrderAccepted, `{"id":"o1","customer_id":"c1","product_ids":["p1"],"after":"order.updated"}`, dir, "", "", nil},
		{"customer gone", model.OrderAccepted, `{"id":"o1","customer_id":"c2","product_ids":["p1"],"after":"order.created"}`, dir, "", "", nil},
		{"lookup fails: retried", model.OrderAccepted, `{"id":"o1","customer_id":"c1","product_ids":["p1"],"after":"order.created"}`, fakeDir{err: boom}, "", "", boom},
		{"bad verdict", model.OrderAccepted, `[]`, dir, "", "", model.ErrBadEvent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := handlertest.Run(t, crm.Function(tc.dir, handlertest.Log), handlertest.Event(tc.typ, tc.data))
			out, err := res.Events, res.Err
			switch {
			case tc.wantErr == model.ErrBadEvent:
				if !res.Permanent {
					t.Fatalf("err = %v (retry %v), want a permanent failure", err, res.Retry())
				}
			case !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) || res.Permanent:
				t.Fatalf("err = %v (permanent %v), want %v", err, res.Permanent, tc.wantErr)
			}
			if tc.wantKind == "" {
				if len(out) != 0 {
					t.Fatalf("emitted %+v, want nothing", out)
				}
				return
			}
			if len(out) != 1 || out[0].Type != model.MailRequested {
				t.Fatalf("emitted %+v, want one mail.requested", out)
			}
			var m model.Mail
			if err := out[0].Decode(&m); err != nil {
				t.Fatal(err)
			}
			if m.Kind != tc.wantKind || m.To != "ann@x" || m.CauseEventID != "e1" || m.Subject == "" {
				t.Errorf("mail = %+v", m)
			}
			if tc.wantBody != "" && m.Body != tc.wantBody {
				t.Errorf("body = %q, want %q", m.Body, tc.wantBody)
			}
		})
	}
}

func TestMalformedEventsArePermanent(t *testing.T) {
	for _, data := range []string{`{}`, `{"id":1}`, `[]`} {
		handlertest.RequirePermanent(t, crm.Function(fakeDir{}, handlertest.Log), data)
	}
}
