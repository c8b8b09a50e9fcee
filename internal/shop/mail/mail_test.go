package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/mail"
	"github.com/ordershop/functions/internal/shop/model"
)

func TestMessage(t *testing.T) {
	m := model.Mail{To: "ann@x", Subject: "Hi\r\nBcc: evil@x", Body: "line1\nline2", Kind: "welcome"}
	got := string(mail.Message("shop@x", m, "mailer:e1", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)))
	for _, want := range []string{"From: shop@x\r\n", "To: ann@x\r\n", "Subject: Hi  Bcc: evil@x\r\n",
		"Message-ID: <mailer.e1@ordershop>\r\n", "\r\n\r\nline1\r\nline2"} {
		if !strings.Contains(got, want) {
			t.Errorf("message lacks %q:\n%s", want, got)
		}
	}
}
