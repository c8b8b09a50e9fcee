package typed_test

import (
	"context"
	"errors"
	"testing"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/typed"
)

type signedUp struct {
	Email string `json:"email"`
}

func TestOn(t *testing.T) {
	boom := errors.New("boom")
	mux := runtime.NewTypeMux()
	typed.On(mux, "user.signed_up", func(_ context.Context, msg *runtime.Message, u signedUp) error {
		switch u.Email {
		case "":
			return runtime.Permanent(errors.New("no email"))
		case "boom@x":
			return boom
		}
		msg.Emit("events:mail", map[string]string{"type": "mail.requested", "event_id": msg.EventID + "/welcome", "data": `{"to":"` + u.Email + `"}`})
		return nil
	})
	fn := runtime.Function{Name: "greeter", Streams: []string{"events:user"}, Types: mux.Types(), Handler: mux}
	tests := []struct {
		name, typ, data string
		wantEmits       int
		wantErr         error
		wantPermanent   bool
		wantSkipped     bool
	}{
		{"decoded and emitted", "user.signed_up", `{"email":"ann@x"}`, 1, nil, false, false},
		{"data of the wrong shape is permanent", "user.signed_up", `{"email":1}`, 0, nil, true, false},
		{"handler's permanent error", "user.signed_up", `{}`, 0, nil, true, false},
		{"handler's plain error is retried", "user.signed_up", `{"email":"boom@x"}`, 0, boom, false, false},
		{"other types are not run", "user.deleted", `{}`, 0, nil, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := runtime.Invoke(context.Background(), fn, "events:user", map[string]string{"type": tc.typ, "event_id": "e1", "data": tc.data})
			if out.Skipped != tc.wantSkipped || out.Permanent != tc.wantPermanent || len(out.Emits) != tc.wantEmits {
				t.Fatalf("outcome = %+v", out)
			}
			if tc.wantErr != nil && (!errors.Is(out.Err, tc.wantErr) || !out.Retry()) {
				t.Errorf("err = %v (retry %v), want %v retried", out.Err, out.Retry(), tc.wantErr)
			}
			if tc.wantEmits > 0 && (out.Emits[0].Stream != "events:mail" || out.Emits[0].Fields["event_id"] != "e1/welcome") {
				t.Errorf("emits = %+v", out.Emits)
			}
		})
	}
}

func TestHandlerDecodesAFreshValueEachTime(t *testing.T) {
	h := typed.Handler(func(_ context.Context, _ *runtime.Message, v map[string]int) error {
		if len(v) != 1 {
			return errors.New("value carried over from an earlier message")
		}
		return nil
	})
	for _, data := range []string{`{"a":1}`, `{"b":2}`} {
		if err := h.Handle(context.Background(), &runtime.Message{Type: "x", Data: []byte(data)}); err != nil {
			t.Fatal(err)
		}
	}
}
