// Package security checks the shop's process boundary end to end: REDIS_URL
// with a password, an ACL user and TLS (rediss://) against real
// redis-servers, secrets never in a log line, the /admin API's 401, 403 and
// 404, the HTTP server's timeouts and body limit, and generic answers when
// Redis is down. Each test starts its own throwaway redis-server.
package security

import (
	"os"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// kit holds the gateway and projector binaries built for the package.
var kit shopkit.Env

func TestMain(m *testing.M) {
	os.Exit(shopkit.Main(m, shopkit.Setup{Binaries: []string{shopkit.Gateway, model.FunctionProjector}}, &kit))
}
