package security

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// proc is one running binary.
type proc = shopkit.Process

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
