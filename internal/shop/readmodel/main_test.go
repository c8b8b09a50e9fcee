package readmodel_test

import (
	"fmt"
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

func TestMain(m *testing.M) {
	c, err := redistest.StartOneNodeCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	node = c
	code := redistest.Run(m, &srv)
	_ = c.Close()
	os.Exit(code)
}
