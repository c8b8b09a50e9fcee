package security

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// proc is one running binary.
type proc = shopkit.Process

// Distinctive secrets, easy to find in a log.
const (
	password      = "s3cret-Pa55word-9f1e"
	wrongPassword = "wr0ng-Pa55word-7c2d"
	aclPassword   = "acl-Pa55word-41b7"
	adminToken    = "admin-T0ken-5e8a"
)

// startShop starts the gateway and the projector on redisURL with env and
// waits until both are ready.
func startShop(t *testing.T, redisURL string, env ...string) (gw, pj *proc) {
	t.Helper()
	env = append([]string{"REDIS_URL=" + redisURL}, env...)
	gw, pj = start(t, shopkit.Gateway, env...), start(t, model.FunctionProjector, env...)
	waitStatus(t, gw.URL()+"/readyz", http.StatusOK)
	waitStatus(t, pj.URL()+"/readyz", http.StatusOK)
	return gw, pj
}

// redisURL is the REDIS_URL of the Redis at addr for user (""
// is the default user) with password.
func redisURL(user, password, addr string) string {
	return fmt.Sprintf("redis://%s:%s@%s/0", user, password, addr)
}

// shopWorks creates a customer and waits until the projector has made it
// visible: the gateway writes and the projector reads and writes.
func shopWorks(t *testing.T, gw *proc) {
	t.Helper()
	if code, body := do(t, http.MethodPost, gw.URL()+"/v1/customers", `{"name":"Ann","email":"ann@example.com"}`); code != http.StatusCreated {
		t.Fatalf("POST /v1/customers = %d %s", code, body)
	}
	redistest.Eventually(t, 15*time.Second, func() bool {
		code, body := get(t, gw.URL()+"/customers")
		return code == http.StatusOK && strings.Contains(body, "ann@example.com")
	}, "the customer is projected")
}

// start runs a binary with env (JSON logs at debug level, so that every
// line a secret could reach is written) until the test ends; its output
// is logged if the test failed. It tries another port if the free port it
// was given was taken meanwhile (see proctest.StartFree).
func start(t *testing.T, name string, env ...string) *proc {
	t.Helper()
	return shopkit.NewShop(t, kit.Bin, "LOG_FORMAT=json", "LOG_LEVEL=debug", "READ_BLOCK=200ms", "SHUTDOWN_TIMEOUT=2s").Start(name, env...)
}

// get GETs url and returns status and body; transport errors fail the test.
func get(t *testing.T, url string, header ...string) (int, string) {
	t.Helper()
	return do(t, http.MethodGet, url, "", header...)
}

// do sends a request with an optional body and header pairs to url, a
// whole URL; transport errors fail the test.
func do(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	c := shopkit.Client{HTTP: &http.Client{Timeout: 15 * time.Second}}
	r, err := c.Do(method, url, []byte(body), header...)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status, string(r.Body)
}

// waitStatus polls GET url until it answers want.
func waitStatus(t *testing.T, url string, want int) {
	t.Helper()
	redistest.Eventually(t, 15*time.Second, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == want
	}, "GET %s answers %d", url, want)
}

// noSecrets fails the test if any process output holds one of secrets.
func noSecrets(t *testing.T, procs []*proc, secrets ...string) {
	t.Helper()
	for _, p := range procs {
		out := p.Output()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s logged the secret %q", p.Name, s)
			}
		}
	}
}

// dashboardLogin POSTs token to the dashboard's login at base and returns
// the answer (redirects not followed, body read and closed); an answer
// that shows adminToken fails the test.
func dashboardLogin(t *testing.T, base, token string) *http.Response {
	t.Helper()
	noRedirect := &http.Client{Timeout: 15 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(base+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), adminToken) {
		t.Errorf("login answer shows the token")
	}
	return resp
}

// openLive opens the live stream at url with the session cookie, reads
// its first line, and returns a channel closed when the stream ends.
func openLive(t *testing.T, url string, session *http.Cookie) chan struct{} {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(session)
	req.Header.Set("Accept", "text/event-stream")
	live, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live.Body.Close() })
	if live.StatusCode != http.StatusOK || !strings.HasPrefix(live.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET %s = %d %s, want 200 and an event stream", url, live.StatusCode, live.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(live.Body)
	if !lines.Scan() {
		t.Fatalf("the live stream %s ended before its first line: %v", url, lines.Err())
	}
	ended := make(chan struct{})
	go func() {
		for lines.Scan() {
		}
		close(ended)
	}()
	return ended
}
