package runtimetest_test

import (
	"os"
	"testing"

	"github.com/ordershop/functions/runtime/runtimetest"
)

// TestConformance runs the whole suite against one redis-server (AOF with
// appendfsync always) on a free loopback port.
func TestConformance(t *testing.T) {
	srv := runtimetest.StartRedis(t, runtimetest.RedisOptions{AppendOnly: true})
	worker, err := runtimetest.BuildWorker(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	runtimetest.Run(t, srv.Target(worker))
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
