package runtime_test

import (
	"strings"
	"testing"

	"github.com/ordershop/functions/internal/testkit/proctest"
)

// TestRuntimeImportsNoShop lists what the runtime and its packages link
// (`go list -deps ./...` from runtime/, test files left out) and fails on
// any package of the shop: the engine must build without the reactions,
// their processes, the CLI or the shop's insides.
func TestRuntimeImportsNoShop(t *testing.T) {
	const module = "github.com/ordershop/functions/"
	deps := proctest.Deps(t, "./...")
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
