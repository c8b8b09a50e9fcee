package tests

import (
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TestRedisStartsLate starts every function before Redis, as foreman may:
// once Redis is up, the shop works.
func TestRedisStartsLate(t *testing.T) {
	freshRedis(t)
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_ = srv.Restart()
		}
	})
	s := newShop(t)
	base := s.startAll()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	a := api{t: t, base: base}
	a.create("/v1/customers", map[string]any{"name": "Ann", "email": "ann@example.com"})
	redistest.Eventually(t, 20*time.Second, func() bool {
		var mails []model.Mail
		a.get("/mails", &mails)
		return len(mails) == 1 && mails[0].Kind == model.MailWelcome
	}, "welcome mail once Redis is up")
	for _, f := range functions {
		select {
		case <-s.proc(f).Exited():
			t.Errorf("%s exited while Redis was down", f)
		default:
		}
	}
}
