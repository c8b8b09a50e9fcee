// Package security checks the shop's process boundary end to end: REDIS_URL
// with a password, an ACL user and TLS (rediss://) against real
// redis-servers, secrets never in a log line, the /admin API's 401, 403 and
// 404, the HTTP server's timeouts and body limit, and generic answers when
// Redis is down. Each test starts its own throwaway redis-server.
package security

import (
	"fmt"
	"os"
	"testing"

	"github.com/ordershop/functions/internal/testkit/proctest"
)

// binDir holds the gateway and projector binaries built for the package.
var binDir string

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests/security:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	if binDir, err = os.MkdirTemp("", "ordershop-security-bin-*"); err != nil {
		return 0, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(binDir)
	if err := proctest.Build(binDir, "gateway", "projector"); err != nil {
		return 0, err
	}
	return m.Run(), nil
}
