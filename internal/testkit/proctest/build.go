package proctest

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

// FunctionsPackage is the import path under which each function binary
// lives, as FunctionsPackage + name (the directories under functions/).
const FunctionsPackage = "github.com/ordershop/functions/functions/"

// Build runs one go build of the named functions into dir, where each
// binary is named after its function. It must run inside the module (as
// tests do, from their package's directory).
func Build(dir string, names ...string) error {
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, FunctionsPackage+n)
	}
	if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("go build %v: %w\n%s", names, err, out)
	}
	return nil
}
