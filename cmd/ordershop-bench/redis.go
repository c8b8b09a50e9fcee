package main

import (
	"fmt"
	"io"
	"net/url"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// The variables every process reads its Redis from: a Redis Cluster's
// REDIS_CLUSTER_URL wins over REDIS_URL.
const (
	redisURLVar        = "REDIS_URL"
	redisClusterURLVar = "REDIS_CLUSTER_URL"
)

// connect returns a client on the Redis Cluster of $REDIS_CLUSTER_URL,
// else on $REDIS_URL, else on the runtime's default (what a function
// started without either uses), and the URL without its password, after
// saying on stderr which Redis that is. Unlike the operator CLI it reads
// no .env file: a load run goes where it is told.
func connect(getenv func(string) string, stderr io.Writer) (redis.UniversalClient, string, error) {
	kind, name := "redis", redisURLVar
	cfg := runtime.Config{RedisURL: getenv(redisURLVar)}
	raw, from := cfg.RedisURL, "from "+redisURLVar
	if u := getenv(redisClusterURLVar); u != "" {
		kind, name = "redis cluster", redisClusterURLVar
		cfg = runtime.Config{RedisClusterURL: u}
		raw, from = u, "from "+redisClusterURLVar
	} else if raw == "" {
		cfg.RedisURL = runtime.DefaultConfig().RedisURL
		raw, from = cfg.RedisURL, "default: neither "+redisClusterURLVar+" nor "+redisURLVar+" is set"
	}
	shown := "(unparsable " + name + ")"
	if u, err := url.Parse(raw); err == nil {
		shown = u.Redacted()
	}
	fmt.Fprintf(stderr, "%s: %s (%s)\n", kind, shown, from)
	c, err := runtime.NewRedisClient(cfg)
	if err != nil {
		return nil, "", err // names the variable, password masked
	}
	return c, shown, nil
}
