// Package browser drives the operators' dashboard in a real browser:
// Debian's chromium, headless, through chromedp, against the whole shop
// (every Procfile function, built once) on a throwaway redis-server, the
// dashboard served by the gateway under /admin/ui as in production. It
// logs in, watches a malformed event arrive in the dead letters without
// a reload, searches, opens, purges, replays after an outage and sees
// the count fall, and checks that a wrong token and a POST without the
// CSRF token are refused.
//
// chromium comes from `make deps-browser` (which `make test` runs first); a
// missing browser fails the tests, it does not skip them. With
// DASHBOARD_SCREENSHOTS=<dir> the walk also saves screenshots of the
// overview and of a dead-letter page there (`make screenshots` writes
// docs/images).
package browser

import (
	"os"
	"testing"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// kit holds the shop's binaries, built once for the package.
var kit shopkit.Env

func TestMain(m *testing.M) {
	os.Exit(shopkit.Main(m, shopkit.Setup{Binaries: shopkit.Processes()}, &kit))
}
