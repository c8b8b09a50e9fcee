// Package mail holds the mailer's Senders: LogSender writes each mail to
// the log (the default), SMTPSender delivers it with net/smtp.
package mail

import (
	"context"
	"fmt"
	"net/smtp"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/internal/shop/model"
)

// LogSender "delivers" a mail by logging it.
type LogSender struct {
	Logger *zap.Logger
}

// Send logs m.
func (s LogSender) Send(_ context.Context, m model.Mail, key string) error {
	s.Logger.Info("mail", zap.String("mail_id", m.ID), zap.String("to", m.To), zap.String("kind", m.Kind),
		zap.String("subject", m.Subject), zap.String("idempotency_key", key))
	return nil
}

// SMTPSender delivers mail through an SMTP server.
type SMTPSender struct {
	// Addr is host:port of the server (SMTP_ADDR).
	Addr string
	// From is the sender address (SMTP_FROM).
	From string
	// Auth, if set, authenticates (PLAIN with SMTP_USER/SMTP_PASSWORD).
	Auth smtp.Auth
}

// Send delivers m; key becomes the Message-ID so that a re-sent mail can be
// recognised as the same one. net/smtp takes no context: ctx is checked
// before the dial only.
func (s SMTPSender) Send(ctx context.Context, m model.Mail, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := smtp.SendMail(s.Addr, s.Auth, s.From, []string{m.To}, Message(s.From, m, key, time.Now())); err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	return nil
}

// Message renders m as an RFC 5322 message.
func Message(from string, m model.Mail, key string, date time.Time) []byte {
	var b strings.Builder
	clean := func(s string) string { return strings.NewReplacer("\r", " ", "\n", " ").Replace(s) }
	fmt.Fprintf(&b, "From: %s\r\n", clean(from))
	fmt.Fprintf(&b, "To: %s\r\n", clean(m.To))
	fmt.Fprintf(&b, "Subject: %s\r\n", clean(m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@ordershop>\r\n", clean(strings.ReplaceAll(key, ":", ".")))
	fmt.Fprintf(&b, "X-OrderShop-Kind: %s\r\n", clean(m.Kind))
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))
	return []byte(b.String())
}
