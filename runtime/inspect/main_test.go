package inspect_test

import (
	"os"
	"testing"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// srv is the Redis every test of the package shares (names of their own:
// opstest.Unique).
var srv *redistest.Server

func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }
