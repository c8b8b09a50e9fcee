// Package tests runs the real binaries of the Procfile against a throwaway
// Redis: the shop end to end, as foreman would run it.
package tests

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

var (
	// srv is the package's Redis; every test flushes it first.
	srv *redistest.Server
	// binDir holds the binaries built once for the package.
	binDir string
	// functions are the Procfile's function processes, in file order.
	functions []string
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	if functions, err = procfileFunctions("../Procfile"); err != nil {
		return 0, err
	}
	if binDir, err = os.MkdirTemp("", "ordershop-bin-*"); err != nil {
		return 0, err
	}
	defer os.RemoveAll(binDir)
	if err := proctest.Build(binDir, functions...); err != nil {
		return 0, err
	}
	defer stopShared()
	return redistest.Run(m, &srv), nil
}

// procfileFunctions lists the Procfile lines that run bin/<name>.
func procfileFunctions(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	line := regexp.MustCompile(`^([a-z]+):\s*bin/([a-z]+)\s*$`)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			if m[1] != m[2] {
				return nil, fmt.Errorf("Procfile: process %s runs bin/%s", m[1], m[2])
			}
			out = append(out, m[2])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("Procfile lists no functions")
	}
	return out, sc.Err()
}
