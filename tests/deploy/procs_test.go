package deploy

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// fnProc is one running function binary of a fleet.
type fnProc = shopkit.Process

// fleet is the set of function processes of one test, all against one
// Redis (a shopkit.Shop). Every process is killed when the test ends; if
// it failed, their output is logged.
type fleet struct {
	*shopkit.Shop
	t *testing.T
}

// newFleet returns an empty fleet for redisURL; env is added to every
// process's environment. Each process runs with CONSUMER_NAME
// deploytest-<name>, so that its registry entries can be told apart.
func newFleet(t *testing.T, redisURL string, env ...string) *fleet {
	s := shopkit.NewShop(t, kit.Bin, append([]string{"REDIS_URL=" + redisURL, "LISTEN_HOST=127.0.0.1", "LOG_FORMAT=console"}, env...)...)
	for _, n := range shopkit.Processes() {
		s.FnEnv[n] = []string{"CONSUMER_NAME=" + consumerName(n)}
	}
	return &fleet{Shop: s, t: t}
}

// consumerName is the CONSUMER_NAME the fleet gives function name.
func consumerName(name string) string { return "deploytest-" + name }

// probe is one GET of a process's health endpoint.
type probe struct {
	code int
	body string
}

// get fetches path from process p; a connection error is code 0.
func get(p *fnProc, path string) probe {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(p.URL() + path)
	if err != nil {
		return probe{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return probe{code: resp.StatusCode, body: strings.TrimSpace(string(b))}
}

// String describes the probe for failure messages.
func (pr probe) String() string { return fmt.Sprintf("%d %s", pr.code, pr.body) }
