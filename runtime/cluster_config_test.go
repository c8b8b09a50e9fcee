package runtime_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
	"github.com/ordershop/functions/runtime"
)

func TestRedisClusterURLIsReadFromTheEnvironment(t *testing.T) {
	const url = "redis://127.0.0.1:7101?addr=127.0.0.1:7102&addr=127.0.0.1:7103"
	t.Setenv("REDIS_CLUSTER_URL", url)
	cfg, err := runtime.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisClusterURL != url {
		t.Fatalf("RedisClusterURL %q, want %q", cfg.RedisClusterURL, url)
	}
	if runtime.DefaultConfig().RedisClusterURL != "" {
		t.Fatal("REDIS_CLUSTER_URL has a default: a process without it must use REDIS_URL")
	}
}

func TestRedisClusterURLWinsOverRedisURL(t *testing.T) {
	c := redistest.NewCluster(t, redistest.ClusterOptions{})
	// REDIS_URL names a port nothing listens on: only the cluster works.
	t.Setenv("REDIS_URL", "redis://127.0.0.1:1/0")
	t.Setenv("REDIS_CLUSTER_URL", c.URL())
	t.Setenv("READ_BLOCK", "2s")
	t.Setenv("CONCURRENCY", "40")
	cfg, err := runtime.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	client, err := runtime.NewRedisClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	cc, ok := client.(*redis.ClusterClient)
	if !ok {
		t.Fatalf("NewRedisClient built a %T, want a *redis.ClusterClient", client)
	}
	o := cc.Options()
	if o.ReadTimeout != 3*time.Second+2*time.Second || o.PoolSize < 40*2+8 || len(o.Addrs) != 3 {
		t.Fatalf("cluster options: read timeout %v (want 5s), pool %d (want >= 88), addrs %v", o.ReadTimeout, o.PoolSize, o.Addrs)
	}
	if o.ClusterStateReloadInterval > 5*time.Second {
		t.Fatalf("slot map reloaded every %v: a failover would go unnoticed that long", o.ClusterStateReloadInterval)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, key := range []string{"a", "b", "c", "d", "e", "f"} {
		if err := client.Set(ctx, key, "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		owner, err := c.MasterOfKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := owner.Client(t).Exists(ctx, key).Result(); n != 1 {
			t.Fatalf("%s not on its master %s", key, owner.Addr())
		}
	}
}

func TestBadRedisClusterURLNamesTheVariableNotThePassword(t *testing.T) {
	for _, url := range []string{
		"redis://user:s3cret@127.0.0.1:notaport",
		"redis://:s3cret@127.0.0.1:7101?addr=nohostport",
		"redis://:s3cret@127.0.0.1:7101?colour=blue",
		"http://:s3cret@127.0.0.1:7101",
	} {
		cfg := runtime.DefaultConfig()
		cfg.RedisClusterURL = url // REDIS_URL keeps its valid default
		_, err := runtime.NewRedisClient(cfg)
		if err == nil {
			t.Fatalf("%s accepted", url)
		}
		if !strings.HasPrefix(err.Error(), "REDIS_CLUSTER_URL: ") || strings.Contains(err.Error(), "s3cret") {
			t.Fatalf("%s: error %q should name REDIS_CLUSTER_URL and hide the password", url, err)
		}
	}
}
