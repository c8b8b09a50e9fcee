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
	// redisClusterURLVar names a Redis Cluster instead; it wins over
	// REDIS_URL, in every process as here.
	redisClusterURLVar = "REDIS_CLUSTER_URL"
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
	// from says where url came from: "REDIS_CLUSTER_URL", "REDIS_URL",
	// ".env.run", ".env" or "default".
	from string
	// cluster says url is a REDIS_CLUSTER_URL.
	cluster bool
}

// findRedis decides which Redis the CLI reads, as a process foreman starts
// would: $REDIS_CLUSTER_URL, else $REDIS_URL, if either is set; else the
// two variables from .env and .env.run in dir (the project folder, read
// as foreman reads them: .env.run's values win), REDIS_CLUSTER_URL before
// REDIS_URL; else the runtime's default.
func findRedis(getenv func(string) string, dir string) (redisSource, error) {
	if u := getenv(redisClusterURLVar); u != "" {
		return redisSource{url: u, from: redisClusterURLVar, cluster: true}, nil
	}
	if u := getenv(redisURLVar); u != "" {
		return redisSource{url: u, from: redisURLVar}, nil
	}
	// name: the value and the file it came from, the later file winning.
	found := map[string]redisSource{}
	for _, name := range []string{envFile, runEnvFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return redisSource{}, fmt.Errorf("read %s: %w", name, err)
		}
		vars := parseDotenv(data)
		for _, v := range []string{redisClusterURLVar, redisURLVar} {
			if u, set := vars[v]; set {
				found[v] = redisSource{url: u, from: name, cluster: v == redisClusterURLVar}
			}
		}
	}
	for _, v := range []string{redisClusterURLVar, redisURLVar} {
		if src := found[v]; src.url != "" {
			return src, nil
		}
	}
	return redisSource{url: defaultRedisURL, from: "default"}, nil
}

// config is the runtime configuration that names this Redis, for
// runtime.NewRedisClient.
func (s redisSource) config() runtime.Config {
	if s.cluster {
		return runtime.Config{RedisClusterURL: s.url}
	}
	return runtime.Config{RedisURL: s.url}
}

// redacted is the URL without its password, for messages.
func (s redisSource) redacted() string {
	u, err := url.Parse(s.url)
	if err != nil {
		if s.cluster {
			return "(unparsable " + redisClusterURLVar + ")"
		}
		return "(unparsable " + redisURLVar + ")"
	}
	return u.Redacted()
}

// String is the line the CLI prints before it talks to Redis, such as
// "redis: redis://127.0.0.1:6380/0 (from .env)", or for a cluster
// "redis cluster: redis://127.0.0.1:7101?addr=... (from .env.run)".
func (s redisSource) String() string {
	kind := "redis"
	if s.cluster {
		kind = "redis cluster"
	}
	if s.from == "default" {
		return fmt.Sprintf("%s: %s (default: neither %s nor %s is set, nor in %s or %s here)", kind, s.redacted(), redisClusterURLVar, redisURLVar, runEnvFile, envFile)
	}
	return fmt.Sprintf("%s: %s (from %s)", kind, s.redacted(), s.from)
}
