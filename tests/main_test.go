// Package tests runs the real binaries of the Procfile against a throwaway
// Redis: the shop end to end, as foreman would run it.
package tests

import (
	"os"
	"testing"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// kit holds the binaries of every process of the shop, built once for the
// package, and the package's Redis; every test flushes it first.
var kit shopkit.Env

func TestMain(m *testing.M) {
	os.Exit(shopkit.Main(m, shopkit.Setup{Binaries: shopkit.Processes(), Redis: &redistest.Options{}, AfterTests: stopShared}, &kit))
}
