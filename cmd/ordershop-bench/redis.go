package main

import (
	"fmt"
	"io"
	"net/url"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
)

// redisURLVar is the variable every process reads its Redis from.
const redisURLVar = "REDIS_URL"

// connect returns a client on $REDIS_URL, else on the runtime's default
// (what a function started without REDIS_URL uses), and the URL without
// its password, after saying on stderr which Redis that is. Unlike the
// operator CLI it reads no .env file: a load run goes where it is told.
func connect(getenv func(string) string, stderr io.Writer) (redis.UniversalClient, string, error) {
	raw, from := getenv(redisURLVar), "from "+redisURLVar
	if raw == "" {
		raw, from = runtime.DefaultConfig().RedisURL, "default: "+redisURLVar+" is not set"
	}
	shown := "(unparsable " + redisURLVar + ")"
	if u, err := url.Parse(raw); err == nil {
		shown = u.Redacted()
	}
	fmt.Fprintf(stderr, "redis: %s (%s)\n", shown, from)
	c, err := runtime.NewRedisClient(runtime.Config{RedisURL: raw})
	if err != nil {
		return nil, "", err // names REDIS_URL, password masked
	}
	return c, shown, nil
}
