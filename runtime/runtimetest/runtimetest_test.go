package runtimetest_test

import (
	"os"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime/runtimetest"
)

// TestConformance runs the whole suite against one redis-server (AOF with
// appendfsync always) on a free loopback port.
func TestConformance(t *testing.T) {
	srv, err := redistest.Start(redistest.Options{AppendOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	worker, err := runtimetest.BuildWorker(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	runtimetest.Run(t, runtimetest.Target{
		URL:    srv.URL(),
		Client: func(t testing.TB) redis.UniversalClient { return srv.Client(t) },
		Kill:   srv.Kill, Restart: srv.Restart,
		Worker: worker,
	})
}

func TestMain(m *testing.M) { os.Exit(m.Run()) }
