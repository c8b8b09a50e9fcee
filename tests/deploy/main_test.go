// Package deploy keeps the deploy manifests (deploy/systemd,
// deploy/container, deploy/k8s) in step with the code, and shows that one
// function can be redeployed under load without touching the others.
//
// TestMain builds every function under functions/ once into a temporary
// directory; each test starts the binaries it needs against its own
// throwaway redis-server on a free loopback port.
package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ordershop/functions/internal/testkit/proctest"
)

var (
	// repoRoot is the repository's root directory (absolute).
	repoRoot string
	// binDir holds the binaries built once for the package, by function.
	binDir string
	// functionDirs names every directory under functions/, sorted.
	functionDirs []string
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests/deploy:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	var err error
	if repoRoot, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
		return 0, fmt.Errorf("repository root: %w", err)
	}
	if functionDirs, err = listFunctionDirs(repoRoot); err != nil {
		return 0, err
	}
	if binDir, err = os.MkdirTemp("", "ordershop-deploy-bin-*"); err != nil {
		return 0, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(binDir)
	if err := proctest.Build(binDir, functionDirs...); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// listFunctionDirs returns the names of the directories under functions/.
func listFunctionDirs(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, fmt.Errorf("list functions: %w", err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no functions under %s", filepath.Join(root, "functions"))
	}
	sort.Strings(out)
	return out, nil
}
