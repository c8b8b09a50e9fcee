package runtimetest

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// Redis is a redis-server of one test's own, on a free port of 127.0.0.1,
// with its own data directory: nothing touches a Redis already running.
type Redis struct {
	srv *redistest.Server
}

// RedisOptions tune StartRedis; the zero value is a plain in-memory
// server.
type RedisOptions struct {
	// AppendOnly turns on AOF persistence (appendfsync always), so that a
	// Kill followed by Restart keeps every acknowledged write (what the
	// conformance suite's Target needs).
	AppendOnly bool
	// Args are extra redis-server arguments, such as "--maxmemory", "8mb".
	Args []string
}

// StartRedis starts a redis-server (from $REDIS_SERVER, else $PATH) for
// t and stops it, removing its data, when t ends.
func StartRedis(t testing.TB, opts ...RedisOptions) *Redis {
	t.Helper()
	var o RedisOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	srv, err := redistest.Start(redistest.Options{AppendOnly: o.AppendOnly, Args: o.Args})
	if err != nil {
		t.Fatalf("runtimetest: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &Redis{srv: srv}
}

// Addr is the server's host:port.
func (r *Redis) Addr() string { return r.srv.Addr() }

// URL is a REDIS_URL for the server (database 0).
func (r *Redis) URL() string { return r.srv.URL() }

// Client returns a client of the server, closed when t ends.
func (r *Redis) Client(t testing.TB) *redis.Client { return r.srv.Client(t) }

// Kill stops the server abruptly (SIGKILL); Restart starts it again on
// the same port and data.
func (r *Redis) Kill() error { return r.srv.Kill() }

// Restart starts the server again after Kill, with its data (all of it
// with AppendOnly).
func (r *Redis) Restart() error { return r.srv.Restart() }

// Target is the conformance suite's target on this server (start it with
// AppendOnly) running the worker binary at worker (BuildWorker).
func (r *Redis) Target(worker string) Target {
	return Target{
		URL:    r.URL(),
		Client: func(t testing.TB) redis.UniversalClient { return r.Client(t) },
		Kill:   r.Kill, Restart: r.Restart,
		Worker: worker,
	}
}

// Cluster is a Redis Cluster of one test's own: redis-server nodes on
// free ports of 127.0.0.1 (see redistest.StartCluster).
type Cluster struct {
	c *redistest.Cluster
}

// StartCluster starts a Redis Cluster of masters masters (at least 3),
// without replicas, every node with AOF (appendfsync always), for t, and
// stops it when t ends.
func StartCluster(t testing.TB, masters int) *Cluster {
	t.Helper()
	c, err := redistest.StartCluster(redistest.ClusterOptions{Masters: masters, AppendOnly: true})
	if err != nil {
		t.Fatalf("runtimetest: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &Cluster{c: c}
}

// URL is a REDIS_CLUSTER_URL for the cluster.
func (c *Cluster) URL() string { return c.c.URL() }

// Target is the conformance suite's target on the cluster, running the
// worker binary at worker (BuildWorker): workers get REDIS_CLUSTER_URL,
// and Kill and Restart stop and start every node.
func (c *Cluster) Target(worker string) Target {
	return Target{
		ClusterURL: c.URL(),
		Client:     func(t testing.TB) redis.UniversalClient { return c.c.Client(t) },
		Kill:       c.c.KillAll,
		Restart:    func() error { return c.c.RestartAll(context.Background()) },
		Worker:     worker,
	}
}
