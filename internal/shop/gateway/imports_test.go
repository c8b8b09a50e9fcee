package gateway_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestGatewayImportsNoReaction: the HTTP edge depends on the shop's model,
// never on the reactions (handlers/) or the function mains.
func TestGatewayImportsNoReaction(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/ordershop/functions/internal/shop/gateway").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const module = "github.com/ordershop/functions/"
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"handlers/", "functions/", "cmd/"} {
			if strings.HasPrefix(dep, module+banned) {
				t.Errorf("internal/shop/gateway depends on %s", dep)
			}
		}
	}
}
