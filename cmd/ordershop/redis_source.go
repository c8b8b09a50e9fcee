package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"

	"github.com/ordershop/functions/runtime"
)

// Where the CLI looks for the shop's Redis, in the order it looks.
const (
	// redisURLVar is the variable every process reads its Redis from.
	redisURLVar = "REDIS_URL"
	// envFile is the committed defaults that `foreman start` reads.
	envFile = ".env"
	// runEnvFile is what scripts/run.sh (`make run`) writes while it runs,
	// with the Redis port it picked; it passes foreman `-e .env,.env.run`,
	// so its values win over .env's.
	runEnvFile = ".env.run"
)

// defaultRedisURL is the runtime's own default: what a function started
// without REDIS_URL uses.
var defaultRedisURL = runtime.DefaultConfig().RedisURL

// redisSource is the Redis the CLI talks to and where that came from.
type redisSource struct {
	// url is the Redis URL as found, password included.
	url string
	// from says where url came from: "REDIS_URL", ".env.run", ".env" or
	// "default".
	from string
}

// findRedis decides which Redis the CLI reads: $REDIS_URL if set; else
// REDIS_URL from .env.run or .env in dir (the project folder, as foreman
// reads them: .env.run wins); else the runtime's default.
func findRedis(getenv func(string) string, dir string) (redisSource, error) {
	if u := getenv(redisURLVar); u != "" {
		return redisSource{url: u, from: redisURLVar}, nil
	}
	for _, name := range []string{runEnvFile, envFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return redisSource{}, fmt.Errorf("read %s: %w", name, err)
		}
		if u := parseDotenv(data)[redisURLVar]; u != "" {
			return redisSource{url: u, from: name}, nil
		}
	}
	return redisSource{url: defaultRedisURL, from: "default"}, nil
}

// redacted is the URL without its password, for messages.
func (s redisSource) redacted() string {
	u, err := url.Parse(s.url)
	if err != nil {
		return "(unparsable " + redisURLVar + ")"
	}
	return u.Redacted()
}

// String is the line the CLI prints before it talks to Redis, such as
// "redis: redis://127.0.0.1:6380/0 (from .env)".
func (s redisSource) String() string {
	if s.from == "default" {
		return fmt.Sprintf("redis: %s (default: %s is not set, nor in %s or %s here)", s.redacted(), redisURLVar, runEnvFile, envFile)
	}
	return fmt.Sprintf("redis: %s (from %s)", s.redacted(), s.from)
}
