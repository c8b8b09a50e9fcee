package faults

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// redisOutage is how long Redis stays down: a fault duration.
	redisOutage = 3 * time.Second
	// answerDeadline bounds every answer while Redis is down.
	answerDeadline = 5 * time.Second
)

// TestRedisCrashDuringBurst kills redis-server (SIGKILL; AOF with
// appendfsync always) in the middle of a burst and restarts it 3 s later.
// The functions ride it out (same processes, none exits), every command
// answered 2xx is in the log and fully reacted to, and every command
// during the outage is answered 503 with a generic JSON error in under
// 5 s, never a hang. Clients send an order answered 503 again with its
// Idempotency-Key: no order is in the log twice or without a 201.
func TestRedisCrashDuringBurst(t *testing.T) {
	start := time.Now()
	_, procs, a, cat, smtp := faultShop(t)
	b := newBurst(200 * time.Millisecond)
	done := burstToFault(t, b, a, cat)
	restart := kit.Redis.Down(t, syscall.SIGKILL)
	probe := a.send(http.MethodGet, "/v1/orders", nil) // a query too, while Redis is down
	<-time.After(redisOutage)
	restart()
	<-done

	refused, slowest := checkOutageAnswers(t, append(b.failures, probe))
	for _, p := range procs {
		if !p.Alive() {
			t.Errorf("%s (pid %d) exited while Redis was down", p.Name, p.Pid())
		}
	}
	rdb := kit.Redis.Client(t)
	c := audit(t, rdb, smtp)
	inLog := checkCreatedInLog(t, rdb, b)
	registered(t, rdb)
	c.Sent = b.ok()
	c.Fault = fmt.Sprintf("redis-server SIGKILL after %d of %d orders (AOF, appendfsync always); restarted %s later", faultAt, burstOrders, redisOutage)
	if extra := len(inLog) - len(b.created); extra != 0 {
		t.Errorf("%d orders in the log without a 201: an order sent again with its Idempotency-Key must answer the first", extra)
	}
	c.Note = fmt.Sprintf("%d answers 503 during the outage (clients retry after 200 ms with the order's Idempotency-Key), slowest in %s; %d orders in the log although answered 503; same PIDs for all %d processes",
		refused, slowest.Round(time.Millisecond), len(inLog)-len(b.created), len(procs))
	if len(b.created) != b.Orders {
		t.Errorf("%d of %d orders created once Redis was back", len(b.created), b.Orders)
	}
	if c.DeadLettered > 0 {
		t.Errorf("%d dead letters, want none (the outage is shorter than the retry budget)", c.DeadLettered)
	}
	record(t, start, c)
}

// checkOutageAnswers checks the answers that were not 2xx: each a 503 with
// a generic JSON error (no Redis detail) in under answerDeadline. It
// returns how many there were and the slowest.
func checkOutageAnswers(t *testing.T, answers []answer) (int, time.Duration) {
	t.Helper()
	var slowest time.Duration
	for _, ans := range answers {
		slowest = max(slowest, ans.elapsed)
		if ans.err != nil || ans.status != http.StatusServiceUnavailable || ans.elapsed > answerDeadline {
			t.Errorf("during the outage: %d %s %v after %s, want 503 within %s", ans.status, ans.body, ans.err, ans.elapsed, answerDeadline)
			continue
		}
		var body struct{ Error string }
		if err := json.Unmarshal(ans.body, &body); err != nil || body.Error == "" {
			t.Errorf("503 body %q: want JSON {\"error\": ...}", ans.body)
		}
		if leaks(string(ans.body)) {
			t.Errorf("503 body %q shows Redis details", ans.body)
		}
	}
	return len(answers), slowest
}

// leaks reports whether an answer shows details of the storage.
func leaks(body string) bool {
	low := strings.ToLower(body)
	for _, s := range []string{"redis", "dial", "tcp", "127.0.0.1", "refused", "eof", "loading", kit.Redis.Addr()} {
		if strings.Contains(low, strings.ToLower(s)) {
			return true
		}
	}
	return false
}
