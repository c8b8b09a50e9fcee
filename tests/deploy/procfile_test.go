package deploy

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// TestProcessesAreProcfileAndFunctions checks that the one list of the
// shop's processes the tests and benchmarks run (shopkit.Processes) is
// what functions/ holds and, with two instances of each ordered function
// (shopkit.Scaled(2)), what the Procfile runs, in its order, each line
// "name: bin/<binary>" (shopkit.BinaryOf: projector2 runs bin/projector);
// and that the Procfile serves the dashboard.
func TestProcessesAreProcfileAndFunctions(t *testing.T) {
	want := shopkit.Scaled(2)
	raw, err := os.ReadFile(filepath.Join(repoRoot, "Procfile"))
	if err != nil {
		t.Fatalf("read Procfile: %v", err)
	}
	line := regexp.MustCompile(`^([a-z][a-z0-9_-]*):\s*bin/([a-z][a-z0-9_-]*)\s*$`)
	var procfile []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			if shopkit.BinaryOf(m[1]) != m[2] {
				t.Errorf("Procfile: process %s runs bin/%s", m[1], m[2])
			}
			procfile = append(procfile, m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte("\ndashboard: bin/ordershop dashboard --off-without-token\n")) {
		t.Error("Procfile: no line `dashboard: bin/ordershop dashboard --off-without-token` (make run's dashboard)")
	}
	if !slices.Equal(procfile, want) {
		t.Errorf("Procfile runs %v, want shopkit.Scaled(2) %v", procfile, want)
	}
	entries, err := os.ReadDir(filepath.Join(repoRoot, "functions"))
	if err != nil {
		t.Fatalf("list functions: %v", err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	sorted := slices.Sorted(slices.Values(shopkit.Processes()))
	if !slices.Equal(dirs, sorted) {
		t.Errorf("functions/ holds %v, want shopkit.Processes() %v", dirs, sorted)
	}
}
