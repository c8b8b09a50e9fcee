package model_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
)

func TestStreamOf(t *testing.T) {
	for typ, want := range map[string]string{
		model.OrderAccepted: "events:order", model.MailSent: "events:mail", model.InventoryDeleted: "events:inventory",
	} {
		if got := model.StreamOf(typ); got != want {
			t.Errorf("StreamOf(%s) = %s, want %s", typ, got, want)
		}
	}
}

func TestFieldsRoundTrip(t *testing.T) {
	e, err := model.NewEvent(model.CustomerCreated, "c1", "req-1", model.Customer{ID: "c1", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := model.EventFromFields("events:customer", "1-0", e.Fields())
	if err != nil {
		t.Fatal(err)
	}
	e.Stream, e.EntryID = "events:customer", "1-0"
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, err := model.EventFromFields("s", "1-0", map[string]string{runtime.FieldType: "x"}); !errors.Is(err, model.ErrBadEvent) {
		t.Errorf("missing event_id: err = %v, want ErrBadEvent", err)
	}
}

func TestRequestMail(t *testing.T) {
	cause := model.Event{Type: model.CustomerCreated, ID: "e1", CorrelationID: "r1"}
	a, err := cause.RequestMail(model.Mail{To: "a@x", Kind: model.MailWelcome})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := cause.RequestMail(model.Mail{To: "a@x", Kind: model.MailWelcome})
	c, _ := cause.RequestMail(model.Mail{To: "a@x", Kind: model.MailGoodbye})
	if a.ID != b.ID || a.ID == c.ID {
		t.Errorf("ids %s %s %s: want the first two equal, the third different", a.ID, b.ID, c.ID)
	}
	var m model.Mail
	if err := a.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.ID != a.EntityID || m.CauseEventID != "e1" || a.CausationID != "e1" || a.CorrelationID != "r1" || a.Type != model.MailRequested {
		t.Errorf("mail event %+v with mail %+v", a, m)
	}
	if _, err := cause.RequestMail(model.Mail{Kind: model.MailWelcome}); err == nil {
		t.Error("mail without recipient: want an error")
	}
}
