package gateway_test

import (
	"os"
	"testing"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// srv is the package's redis-server, started once for all its tests; node
// is its one-node Redis Cluster, for the tests of slot safety.
var (
	srv  *redistest.Server
	node *redistest.OneNodeCluster
)

func TestMain(m *testing.M) { os.Exit(redistest.RunWithOneNodeCluster(m, &srv, &node)) }
