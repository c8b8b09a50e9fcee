package tests

import (
	"syscall"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// TestRedisStartsLate starts every function before Redis, as foreman may:
// once Redis is up, the shop works.
func TestRedisStartsLate(t *testing.T) {
	freshRedis(t)
	restart := kit.SingleNode(t).Down(t, syscall.SIGTERM)
	s := newShop(t)
	base := s.StartAll()[shopkit.Gateway].URL()
	restart()
	a := api{t: t, base: base}
	a.create("/v1/customers", map[string]any{"name": "Ann", "email": "ann@example.com"})
	redistest.Eventually(t, 20*time.Second, func() bool {
		var mails []model.Mail
		a.get("/mails", &mails)
		return len(mails) == 1 && mails[0].Kind == model.MailWelcome
	}, "welcome mail once Redis is up")
	for _, f := range shopkit.Processes() {
		select {
		case <-s.Proc(f).Exited():
			t.Errorf("%s exited while Redis was down", f)
		default:
		}
	}
}
