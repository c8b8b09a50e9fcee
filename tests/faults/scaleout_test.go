package faults

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/shopkit"
	"github.com/ordershop/functions/internal/testkit/smtptest"
)

// TestKillOneOfTwoInstances runs two instances of every reaction function
// under a burst and kills one instance of each (SIGKILL, no restart) in
// the middle: the survivors reclaim what the dead ones left pending, and
// every expected reaction happens exactly once.
func TestKillOneOfTwoInstances(t *testing.T) {
	start := time.Now()
	kit.Redis.FlushAll(t)
	smtp := smtptest.Start(t)
	s := newShop(t)
	s.FnEnv["mailer"] = []string{"SMTP_ADDR=" + smtp.Addr()}
	gw := s.StartHealthy(shopkit.Gateway)
	first, second := map[string]*proc{}, map[string]*proc{}
	for _, fn := range reactions {
		first[fn], second[fn] = s.Start(fn), s.Start(fn)
	}
	for _, fn := range reactions {
		shopkit.WaitHealthy(t, first[fn])
		shopkit.WaitHealthy(t, second[fn])
	}
	a := newAPI(t, gw.URL())
	cat := newCatalogue(t, a, 20, 10)

	b := newBurst(0)
	done := burstToFault(t, b, a, cat)
	rdb := kit.Redis.Client(t)
	pendingBefore := map[string]int64{}
	for _, fn := range reactions {
		kill(t, first[fn])
	}
	for _, fn := range reactions {
		pendingBefore[fn] = groupPending(t, rdb, fn)
	}
	waitBurst(t, b, done)
	c := audit(t, rdb, smtp)
	registered(t, rdb)
	for _, fn := range reactions {
		if !second[fn].Alive() {
			t.Errorf("surviving %s exited", fn)
		}
		if ans := newAPI(t, second[fn].URL()).send(http.MethodGet, "/readyz", nil); ans.status != http.StatusOK {
			t.Errorf("surviving %s /readyz = %d %s", fn, ans.status, ans.body)
		}
	}
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("2 instances of each reaction function; one of each killed with SIGKILL after %d of %d orders, not restarted", faultAt, burstOrders)
	c.Note = fmt.Sprintf("entries pending (both instances) right after the kills, reclaimed by the survivors: %v", pendingBefore)
	if c.DeadLettered > 0 {
		t.Errorf("%d dead letters, want none", c.DeadLettered)
	}
	record(t, start, c)
}
