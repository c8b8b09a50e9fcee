package runtime_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestRuntimeImportsNoShop lists what the runtime and its packages link
// (`go list -deps ./...` from runtime/, test files left out) and fails on
// any package of the shop: the engine must build without the reactions,
// their processes, the CLI or the shop's insides.
func TestRuntimeImportsNoShop(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the runtime's packages: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "./...").Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		t.Fatalf("go list -deps ./...: %v\n%s", err, ee.Stderr)
	} else if err != nil {
		t.Fatalf("go list -deps ./...: %v", err)
	}
	const module = "github.com/ordershop/functions/"
	deps := strings.Fields(string(out))
	own := 0
	for _, p := range deps {
		rel, ok := strings.CutPrefix(p, module)
		if !ok {
			continue
		}
		own++
		for _, shop := range []string{"handlers/", "functions/", "cmd/", "internal/shop/"} {
			if strings.HasPrefix(rel+"/", shop) {
				t.Errorf("the runtime links %s (`go list -deps ./runtime/...`): the engine must know nothing about the shop", p)
			}
		}
	}
	if own < 5 {
		t.Fatalf("go list -deps ./... from runtime/ listed %d of the module's packages, want the runtime and its subpackages", own)
	}
}
