// Package security checks the shop's process boundary end to end: REDIS_URL
// with a password, an ACL user and TLS (rediss://) against real
// redis-servers, secrets never in a log line, the /admin API's 401, 403 and
// 404, the HTTP server's timeouts and body limit, and generic answers when
// Redis is down. Each test starts its own throwaway redis-server.
package security

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
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
	args := []string{"build", "-o", binDir + string(filepath.Separator), "../../functions/gateway", "../../functions/projector"}
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build: %w\n%s", err, out)
	}
	return m.Run(), nil
}
