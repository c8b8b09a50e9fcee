package proctest

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// Deps lists the import paths that patterns link (`go list -deps`, run in
// the test's package folder; test files left out), failing the test when
// the go command is missing or fails. The dependency tests use it to keep
// the layers apart.
func Deps(t testing.TB, patterns ...string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list packages: %v", err)
	}
	args := append([]string{"list", "-deps"}, patterns...)
	out, err := exec.Command(goBin, args...).Output()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
	} else if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(string(out))
}
