// Package tests runs the real binaries of the Procfile against a throwaway
// Redis: the shop end to end, as foreman would run it. The Redis is one
// redis-server, or a Redis Cluster of three masters when
// ORDERSHOP_TEST_REDIS=cluster (shopkit.ClusterFromEnv): the same tests,
// every process given REDIS_CLUSTER_URL instead of REDIS_URL.
package tests

import (
	"fmt"
	"os"
	"testing"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/internal/testkit/shopkit"
)

// kit holds the binaries of every process of the shop, built once for the
// package, and the package's Redis (kit.Redis, or kit.Cluster on a
// Cluster); every test flushes it first.
var kit shopkit.Env

func TestMain(m *testing.M) {
	cluster, err := shopkit.ClusterFromEnv()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tests:", err)
		os.Exit(1)
	}
	os.Exit(shopkit.Main(m, shopkit.Setup{Binaries: shopkit.Processes(), Redis: &redistest.Options{}, Cluster: cluster, AfterTests: stopShared}, &kit))
}
