package stock_test

import (
	"os"
	"testing"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// srv is the package's redis-server, started once for all its tests.
var srv *redistest.Server

func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }
