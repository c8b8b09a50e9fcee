package security

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TestRedisPassword: REDIS_URL redis://:<password>@host works for a
// function and the gateway, and the password is in no log line.
func TestRedisPassword(t *testing.T) {
	r := redistest.New(t, redistest.Options{Args: []string{"--requirepass", password}})
	gw, pj := startShop(t, redisURL("", password, r.Addr()))
	shopWorks(t, gw)
	noSecrets(t, []*proc{gw, pj}, password)
}

// TestRedisACLUser: REDIS_URL redis://<user>:<password>@host logs in as
// that ACL user (CLIENT LIST shows it), and no password is logged.
func TestRedisACLUser(t *testing.T) {
	r := redistest.New(t, redistest.Options{Args: []string{"--requirepass", password}})
	admin := redis.NewClient(&redis.Options{Addr: r.Addr(), Password: password})
	t.Cleanup(func() { _ = admin.Close() })
	ctx := context.Background()
	if err := admin.Do(ctx, "ACL", "SETUSER", "shop", "on", ">"+aclPassword, "~*", "&*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	gw, pj := startShop(t, redisURL("shop", aclPassword, r.Addr()))
	shopWorks(t, gw)
	clients, err := admin.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(clients), "\n") {
		for _, f := range strings.Fields(line) {
			if u, ok := strings.CutPrefix(f, "user="); ok {
				users[u]++
			}
		}
	}
	if users["shop"] == 0 || users["default"] != 1 {
		t.Errorf("connections by user %v: want the shop's as user shop, only this test's as default", users)
	}
	noSecrets(t, []*proc{gw, pj}, password, aclPassword)
}

// TestWrongRedisPassword: with a wrong password the processes stay up
// (no crash loop), are not ready, answer commands with a generic error,
// and log neither the wrong nor the right password.
func TestWrongRedisPassword(t *testing.T) {
	r := redistest.New(t, redistest.Options{Args: []string{"--requirepass", password}})
	url := redisURL("", wrongPassword, r.Addr())
	gw, pj := start(t, "gateway", "REDIS_URL="+url), start(t, "projector", "REDIS_URL="+url)
	waitStatus(t, gw.URL()+"/healthz", http.StatusOK)
	waitStatus(t, pj.URL()+"/healthz", http.StatusOK)
	for _, p := range []*proc{gw, pj} {
		code, body := get(t, p.URL()+"/readyz")
		if code != http.StatusServiceUnavailable || strings.Contains(body, wrongPassword) {
			t.Errorf("%s /readyz = %d %s, want 503 without the password", p.Name, code, body)
		}
		t.Logf("%s /readyz answers %d %s", p.Name, code, strings.TrimSpace(body))
	}
	code, body := do(t, http.MethodPost, gw.URL()+"/v1/customers", `{"name":"Ann","email":"ann@example.com"}`)
	if code < 500 || strings.Contains(body, wrongPassword) || strings.Contains(body, "WRONGPASS") {
		t.Errorf("POST /customers = %d %s, want a generic 5xx", code, body)
	}
	t.Logf("POST /customers answers %d %s", code, strings.TrimSpace(body))
	redistest.Eventually(t, 15*time.Second, func() bool {
		return strings.Contains(pj.Output(), "WRONGPASS")
	}, "the projector logs the refusal")
	for _, p := range []*proc{gw, pj} {
		select {
		case <-p.Exited():
			t.Errorf("%s exited with a wrong password", p.Name)
		default:
		}
	}
	noSecrets(t, []*proc{gw, pj}, wrongPassword, password)
}
