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

	"github.com/ordershop/functions/internal/shop/mail"
	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/typed"
)

// Function is the mailer function, sending through s and emitting mail.sent
// on log; now is the clock (time.Now if nil).
func Function(s mail.Sender, now func() time.Time, log *model.Log) runtime.Function {
	if now == nil {
		now = time.Now
	}
	ml := mailer{sender: s, now: now, log: log}
	mux := runtime.NewTypeMux()
	typed.On(mux, model.MailRequested, ml.deliver)
	return model.Function(model.FunctionMailer, mux)
}

type mailer struct {
	sender mail.Sender
	now    func() time.Time
	log    *model.Log
}

func (ml mailer) deliver(ctx context.Context, msg *runtime.Message, m model.Mail) error {
	if m.ID == "" || m.To == "" || m.Kind == "" {
		return model.BadEvent(msg, "want id, to and kind")
	}
	if err := ml.sender.Send(ctx, m, msg.IdempotencyKey); err != nil {
		return fmt.Errorf("send mail %s to %s: %w", m.ID, m.To, err)
	}
	m.SentAt = ml.now().UTC().Format(time.RFC3339Nano)
	return ml.log.FollowUp(ctx, msg, model.MailSent, m.ID, "", m)
}
