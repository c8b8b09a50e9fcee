package shopkit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordershop/functions/internal/testkit/proctest"
	"github.com/ordershop/functions/internal/testkit/redistest"
)

// Setup says what a test package needs before its tests run. The zero
// value prepares nothing.
type Setup struct {
	// Binaries are the processes whose binaries Main builds, once, into a
	// temporary directory (Env.Bin); Processes() for the whole shop.
	Binaries []string
	// Redis, if not nil, makes Main start one redis-server with these
	// options for the package (Env.Redis); tests that share it flush it.
	Redis *redistest.Options
	// Cluster, if not nil, makes Main start a Redis Cluster with these
	// options for the package (Env.Cluster) instead of Redis's one
	// redis-server; ClusterFromEnv reads it from $ORDERSHOP_TEST_REDIS.
	Cluster *redistest.ClusterOptions
	// Prepare, if not nil, runs first; the cleanup it returns runs after
	// everything else.
	Prepare func() (cleanup func(), err error)
	// AfterTests, if not nil, runs after the tests, before the Redis stops.
	AfterTests func()
}

// Env is what Main prepared for the package's tests.
type Env struct {
	// Bin is the directory of the built binaries, each named after its process.
	Bin string
	// Redis is the package's Redis, if Setup.Redis asked for one.
	Redis *redistest.Server
	// Cluster is the package's Redis Cluster, if Setup.Cluster asked for
	// one (Redis is nil then). Client, RedisEnv and FlushAll serve either.
	Cluster *redistest.Cluster
}

// Main prepares what s asks for into env (which may be nil if s asks for
// neither binaries nor a Redis), runs the package's tests, cleans
// up and returns the exit code; if it cannot prepare, it prints why
// (after the package's name) and returns 1:
//
//	var kit shopkit.Env
//
//	func TestMain(m *testing.M) {
//		os.Exit(shopkit.Main(m, shopkit.Setup{Binaries: shopkit.Processes()}, &kit))
//	}
func Main(m *testing.M, s Setup, env *Env) int {
	code, err := run(m, s, env)
	if err != nil {
		// The test binary is <package>.test: name the package.
		fmt.Fprintf(os.Stderr, "%s: %v\n", strings.TrimSuffix(filepath.Base(os.Args[0]), ".test"), err)
		return 1
	}
	return code
}

// run is Main with its error returned.
func run(m *testing.M, s Setup, env *Env) (int, error) {
	if s.Prepare != nil {
		cleanup, err := s.Prepare()
		if err != nil {
			return 0, err
		}
		defer cleanup()
	}
	if len(s.Binaries) > 0 {
		dir, err := os.MkdirTemp("", "ordershop-bin-*")
		if err != nil {
			return 0, fmt.Errorf("temp dir: %w", err)
		}
		defer os.RemoveAll(dir)
		if err := proctest.Build(dir, s.Binaries...); err != nil {
			return 0, err
		}
		env.Bin = dir
	}
	if s.Cluster != nil {
		c, err := redistest.StartCluster(*s.Cluster)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		env.Cluster = c
	} else if s.Redis != nil {
		srv, err := redistest.Start(*s.Redis)
		if err != nil {
			return 0, err
		}
		defer srv.Close()
		env.Redis = srv
	}
	if s.AfterTests != nil {
		defer s.AfterTests()
	}
	return m.Run(), nil
}
