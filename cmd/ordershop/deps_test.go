package main

import (
	"strings"
	"testing"

	"github.com/ordershop/functions/internal/testkit/proctest"
)

// modulePath is this module's import path, the prefix of its own packages.
const modulePath = "github.com/ordershop/functions/"

// testOnly reports whether the package at import path p is test machinery
// that the operator binary must not link: the standard library's testing
// packages, the module's test kits (redistest, proctest, opstest, any
// other *test package or anything under a testkit folder) and the
// benchmarks (internal/bench; they live in cmd/ordershop-bench).
func testOnly(p string) bool {
	if p == "testing" || strings.HasPrefix(p, "testing/") {
		return true
	}
	rel, ok := strings.CutPrefix(p, modulePath)
	if !ok {
		return false
	}
	last := rel[strings.LastIndex(rel, "/")+1:]
	return strings.HasSuffix(last, "test") || strings.Contains("/"+rel+"/", "/testkit/") ||
		rel == "internal/bench" || strings.HasPrefix(rel, "cmd/ordershop-bench")
}

// TestBinaryLinksNoTestCode lists what the operator binary links (`go list
// -deps`, which leaves test files out) and fails on any test machinery:
// the benchmarks once pulled testing, redistest and proctest in.
func TestBinaryLinksNoTestCode(t *testing.T) {
	deps := proctest.Deps(t, ".")
	if len(deps) < 50 || deps[len(deps)-1] != modulePath+"cmd/ordershop" {
		t.Fatalf("go list -deps . listed %d packages ending in %q, want the ordershop command's", len(deps), deps[len(deps)-1])
	}
	for _, p := range deps {
		if testOnly(p) {
			t.Errorf("cmd/ordershop links %s: test code in the operator binary (`go list -deps ./cmd/ordershop`)", p)
		}
	}
}

func TestTestOnlyNamesTheTestMachinery(t *testing.T) {
	for p, want := range map[string]bool{
		"testing":           true,
		"testing/iotest":    true,
		"net/http/httptest": false, // a standard package that does not import testing
		modulePath + "internal/testkit/redistest":  true,
		modulePath + "internal/testkit/proctest":   true,
		modulePath + "internal/testkit/smtptest":   true,
		modulePath + "internal/testkit/redisfault": true,
		modulePath + "internal/testkit/clitest":    true,
		modulePath + "runtime/ops/opstest":         true,
		modulePath + "internal/testkit/shopkit":    true,
		modulePath + "internal/bench":              true,
		modulePath + "runtime/runtimetest":         true,
		modulePath + "internal/ops":                false,
		modulePath + "runtime/ops":                 false,
		modulePath + "runtime/admin":               false,
		modulePath + "runtime":                     false,
		modulePath + "cmd/ordershop":               false,
	} {
		if got := testOnly(p); got != want {
			t.Errorf("testOnly(%q) = %v, want %v", p, got, want)
		}
	}
}
