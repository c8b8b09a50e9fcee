package main

import (
	"context"
	"strings"
	"testing"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// TestRedisClusterURLIsFoundLikeRedisURL checks where the CLI finds
// REDIS_CLUSTER_URL and that it wins over REDIS_URL from the same place or
// a weaker one, by running status against a real cluster with every
// REDIS_URL unreachable.
func TestRedisClusterURLIsFoundLikeRedisURL(t *testing.T) {
	c := redistest.NewCluster(t, redistest.ClusterOptions{})
	url := c.URL()
	bothUnset := map[string]string{redisURLVar: "", redisClusterURLVar: ""}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		files map[string]string
		from  string
	}{
		{"environment, over REDIS_URL", map[string]string{redisURLVar: unreachable, redisClusterURLVar: url}, nil, "REDIS_CLUSTER_URL"},
		{"environment, over the env files", map[string]string{redisURLVar: "", redisClusterURLVar: url},
			map[string]string{envFile: "REDIS_CLUSTER_URL=" + unreachable + "\n", runEnvFile: "REDIS_URL=" + unreachable + "\n"}, "REDIS_CLUSTER_URL"},
		{".env.run, over .env's REDIS_URL (make run-cluster)", bothUnset,
			map[string]string{envFile: "REDIS_URL=" + unreachable + "\n", runEnvFile: "REDIS_CLUSTER_URL=" + url + "\n"}, runEnvFile},
		{".env, over .env.run's REDIS_URL (foreman gives both; the cluster wins)", bothUnset,
			map[string]string{envFile: "REDIS_CLUSTER_URL='" + url + "'\n", runEnvFile: "REDIS_URL=" + unreachable + "\n"}, envFile},
		{".env.run over .env", bothUnset,
			map[string]string{envFile: "REDIS_CLUSTER_URL=redis://127.0.0.1:1\n", runEnvFile: "REDIS_CLUSTER_URL=" + url + "\n"}, runEnvFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRedisLine(t, projectDir(t, tc.files), tc.env, "redis cluster: "+url+" (from "+tc.from+")")
		})
	}
	t.Run("an empty REDIS_CLUSTER_URL in .env.run leaves REDIS_URL", func(t *testing.T) {
		dir := projectDir(t, map[string]string{envFile: "REDIS_URL=" + srv.URL() + "\n", runEnvFile: "REDIS_CLUSTER_URL=\n"})
		wantRedisLine(t, dir, bothUnset, "redis: "+srv.URL()+" (from .env)")
	})
}

func TestBadRedisClusterURLIsAnErrorWithoutThePassword(t *testing.T) {
	code, out, errOut := cliIn(context.Background(), t.TempDir(), map[string]string{redisClusterURLVar: "redis://:s3cret@127.0.0.1:1?colour=blue"}, "status")
	if code != exitError {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, exitError, out, errOut)
	}
	if !strings.HasPrefix(errOut, "redis cluster: redis://:xxxxx@127.0.0.1:1?colour=blue (from REDIS_CLUSTER_URL)\n") || !strings.Contains(errOut, "REDIS_CLUSTER_URL: ") {
		t.Fatalf("stderr should name the cluster URL masked and the variable:\n%s", errOut)
	}
	if strings.Contains(out+errOut, "s3cret") {
		t.Fatalf("password in output:\n%s%s", out, errOut)
	}
}
