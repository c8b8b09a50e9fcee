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
	"os"
	"testing"

	"github.com/ordershop/functions/internal/shop/model"
	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// kit holds the binaries of every process, built once for the package,
// and its Redis, with AOF so that it can be killed and restarted without
// losing an acknowledged write; every test flushes it.
var kit shopkit.Env

// reactions are the functions that react to events (all but the gateway).
var reactions = model.Functions()

func TestMain(m *testing.M) {
	os.Exit(shopkit.Main(m, shopkit.Setup{Binaries: shopkit.Processes(), Redis: &redistest.Options{AppendOnly: true}}, &kit))
}
