// Package deploy keeps the deploy manifests (deploy/systemd,
// deploy/container, deploy/k8s) in step with the code, and shows that one
// function can be redeployed under load without touching the others.
//
// TestMain builds every process of the shop (shopkit.Processes) once into
// a temporary directory; each test starts the binaries it needs against its own
// throwaway redis-server on a free loopback port.
package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

var (
	// repoRoot is the repository's root directory (absolute).
	repoRoot string
	// kit holds the binaries of every process of the shop, built once for
	// the package.
	kit shopkit.Env
)

func TestMain(m *testing.M) {
	os.Exit(shopkit.Main(m, shopkit.Setup{Prepare: findRoot, Binaries: shopkit.Processes()}, &kit))
}

// findRoot sets repoRoot.
func findRoot() (func(), error) {
	var err error
	if repoRoot, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
		return nil, fmt.Errorf("repository root: %w", err)
	}
	return func() {}, nil
}
