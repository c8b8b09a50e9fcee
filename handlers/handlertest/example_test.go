package handlertest_test

// The README's "Writing a function": a function written on runtime/typed
// and the shop's envelope (internal/shop/model), and its tests on
// handlertest. Kept here so that the example compiles and passes.

import (
	"context"
	"testing"

	"github.com/ordershop/functions/handlers/handlertest"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/typed"
)

// greeter is the function: on customer.created it asks the mailer for a
// welcome mail.
func greeter() runtime.Function {
	mux := runtime.NewTypeMux()
	typed.On(mux, model.CustomerCreated, welcome)
	return model.Function("greeter", mux)
}

// welcome gets the event's data decoded: data that does not decode into a
// model.Customer is dead-lettered without calling it.
func welcome(ctx context.Context, msg *runtime.Message, c model.Customer) error {
	if c.Email == "" {
		return model.BadEvent(msg, "no email") // permanent: dead-lettered at once
	}
	// Emitted with the ack, only if welcome returns nil; its id is derived
	// from the event's, so a re-run requests the same mail.
	return handlertest.Log.RequestMail(ctx, msg, model.Mail{
		To: c.Email, Kind: model.MailWelcome, CustomerID: c.ID,
		Subject: "Welcome", Body: "Hello " + c.Name + "!",
	})
}

func TestWelcome(t *testing.T) {
	res := handlertest.Run(t, greeter(), handlertest.Event(model.CustomerCreated, `{"id":"c1","name":"Ann","email":"ann@x"}`))
	if res.Err != nil || len(res.Events) != 1 || res.Events[0].Type != model.MailRequested {
		t.Fatalf("outcome %+v, want one mail.requested", res.Outcome)
	}
	var m model.Mail
	if err := res.Events[0].Decode(&m); err != nil || m.To != "ann@x" || m.CauseEventID != handlertest.EventID {
		t.Errorf("mail = %+v, %v", m, err)
	}
}

func TestWelcomeWithoutEmailIsPermanent(t *testing.T) {
	res := handlertest.Run(t, greeter(), handlertest.Event(model.CustomerCreated, `{"id":"c1"}`))
	if !res.Permanent || res.Retry() || len(res.Events) != 0 {
		t.Errorf("outcome %+v, want a permanent failure", res.Outcome)
	}
}

func TestGreeterMalformedEventsArePermanent(t *testing.T) {
	handlertest.RequirePermanent(t, greeter(), `{"email":["ann@x"]}`)
}

func TestOtherTypesAreSkipped(t *testing.T) {
	if res := handlertest.Run(t, greeter(), handlertest.Event(model.CustomerDeleted, `{"id":"c1"}`)); !res.Skipped {
		t.Errorf("outcome %+v, want skipped", res.Outcome)
	}
}
