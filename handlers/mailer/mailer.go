// Package mailer delivers requested mails (mail.requested) through a Sender
// and emits mail.sent for each, which the projector records for GET /mails.
//
// Delivery is at least once: if the process dies after sending but before
// its commit, the mail is sent again on the retry. The Sender gets the
// invocation's idempotency key to deduplicate where it can (the SMTP sender
// uses it as Message-ID); mail.sent is committed once, so GET /mails lists
// each mail once.
package mailer

import (
	"context"
	"fmt"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
)

// Name is the function's name.
const Name = model.FunctionMailer

// Sender delivers one mail. key is stable across re-deliveries of the same
// request.
type Sender interface {
	Send(ctx context.Context, m model.Mail, key string) error
}

// Mailer is the mailer function's handler.
type Mailer struct {
	sender Sender
	now    func() time.Time
}

// New returns a Mailer sending through s; now is the clock (time.Now if nil).
func New(s Sender, now func() time.Time) *Mailer {
	if now == nil {
		now = time.Now
	}
	return &Mailer{sender: s, now: now}
}

// Routes maps the handled event types to their reactions.
func (ml *Mailer) Routes() map[string]model.Reaction {
	return map[string]model.Reaction{model.MailRequested: ml.deliver}
}

func (ml *Mailer) deliver(ctx context.Context, e model.Event) ([]model.Event, error) {
	var m model.Mail
	if err := e.Decode(&m); err != nil {
		return nil, err
	}
	if m.ID == "" || m.To == "" || m.Kind == "" {
		return nil, fmt.Errorf("%s %s: want id, to and kind: %w", e.Type, e.ID, model.ErrBadEvent)
	}
	if err := ml.sender.Send(ctx, m, "mailer:"+e.ID); err != nil {
		return nil, fmt.Errorf("send mail %s to %s: %w", m.ID, m.To, err)
	}
	m.SentAt = ml.now().UTC().Format(time.RFC3339Nano)
	sent, err := e.FollowUp(model.MailSent, m.ID, "", m)
	if err != nil {
		return nil, err
	}
	return []model.Event{sent}, nil
}
