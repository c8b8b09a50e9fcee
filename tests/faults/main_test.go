// Package faults proves the delivery guarantees of the shop end to end: the
// real binaries of the Procfile run against a throwaway redis-server with
// AOF (appendfsync always), and each test injects one fault — kill -9 or
// SIGTERM of a function in a burst, a Redis crash, poison events, a mail
// outage, a killed instance of a scaled-out function — then counts what was
// sent, processed, duplicated, lost and dead-lettered.
//
// Every test logs its counts as one "reliability:" line; with
// RELIABILITY_REPORT=<path> it also appends them to that file as a JSON
// line, from which docs/reliability.md is made.
package faults

import (
	"fmt"
	"os"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

var (
	// srv is the package's Redis, with AOF so that it can be killed and
	// restarted without losing an acknowledged write; every test flushes it.
	srv *redistest.Server
	// binDir holds the binaries built once for the package.
	binDir string
)

// reactions are the functions that react to events (all but the gateway).
var reactions = model.Functions()

// all is every process of the shop, the gateway first.
var all = append([]string{"gateway"}, reactions...)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests/faults:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	if binDir, err = os.MkdirTemp("", "ordershop-faults-bin-*"); err != nil {
		return 0, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(binDir)
	if err := proctest.Build(binDir, all...); err != nil {
		return 0, err
	}
	return redistest.RunWith(m, &srv, redistest.Options{AppendOnly: true}), nil
}
