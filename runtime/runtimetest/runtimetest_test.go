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

// TestConformanceOnPartitions runs the whole suite again with every event
// in a partitioned family of 4 partitions (ordered functions leased).
func TestConformanceOnPartitions(t *testing.T) {
	srv := runtimetest.StartRedis(t, runtimetest.RedisOptions{AppendOnly: true})
	worker, err := runtimetest.BuildWorker(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tg := srv.Target(worker)
	tg.Partitions = 4
	runtimetest.Run(t, tg)
}

// TestConformanceOnCluster runs the whole suite on a 3-master Redis
// Cluster, every event in a partitioned family of 4 partitions spread
// over the masters; Redis restarts kill and restart every node.
func TestConformanceOnCluster(t *testing.T) {
	cluster := runtimetest.StartCluster(t, 3)
	worker, err := runtimetest.BuildWorker(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tg := cluster.Target(worker)
	tg.Partitions = 4
	runtimetest.Run(t, tg)
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
