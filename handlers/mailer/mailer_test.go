package mailer_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordershop/functions/handlers/handlertest"
	"github.com/ordershop/functions/handlers/mailer"
	"github.com/ordershop/functions/internal/shop/model"
)

type fakeSender struct {
	sent []string
	err  error
}

func (f *fakeSender) Send(_ context.Context, m model.Mail, key string) error {
	f.sent = append(f.sent, m.ID+" "+m.To+" "+key)
	return f.err
}

func TestDeliver(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	boom := errors.New("smtp down")
	tests := []struct {
		name, data    string
		sendErr       error
		wantSent      []string
		wantErr       bool
		wantPermanent bool
	}{
		{"sent", `{"id":"m1","to":"a@x","kind":"welcome","subject":"Hi","body":"b","cause_event_id":"c1"}`, nil, []string{"m1 a@x mailer:e1"}, false, false},
		{"send fails: retried", `{"id":"m1","to":"a@x","kind":"welcome"}`, boom, []string{"m1 a@x mailer:e1"}, true, false},
		{"no recipient", `{"id":"m1","kind":"welcome"}`, nil, nil, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &fakeSender{err: tc.sendErr}
			res := handlertest.Run(t, mailer.Function(s, clock, handlertest.Log), handlertest.Event(model.MailRequested, tc.data))
			out, err := res.Events, res.Err
			if (err != nil) != tc.wantErr || errors.Is(err, model.ErrBadEvent) != tc.wantPermanent || res.Permanent != tc.wantPermanent {
				t.Fatalf("err = %v (permanent %v)", err, res.Permanent)
			}
			if diff := cmp.Diff(tc.wantSent, s.sent); diff != "" {
				t.Errorf("sent (-want +got):\n%s", diff)
			}
			if tc.wantErr {
				if len(out) != 0 {
					t.Errorf("emitted %+v on failure", out)
				}
				return
			}
			var m model.Mail
			if len(out) != 1 || out[0].Type != model.MailSent || out[0].Decode(&m) != nil {
				t.Fatalf("emitted %+v, want one mail.sent", out)
			}
			want := model.Mail{ID: "m1", To: "a@x", Kind: "welcome", Subject: "Hi", Body: "b", CauseEventID: "c1", SentAt: "2026-01-02T03:04:05Z"}
			if diff := cmp.Diff(want, m); diff != "" {
				t.Errorf("sent mail (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMalformedEventsArePermanent(t *testing.T) {
	for _, data := range []string{`{}`, `{"id":1}`} {
		handlertest.RequirePermanent(t, mailer.Function(&fakeSender{}, nil, handlertest.Log), data)
	}
}
