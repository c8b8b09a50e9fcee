package foreman

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// clusterNodes is the node count of make run-cluster: 3 masters, 3 replicas.
const clusterNodes = 6

// TestMakeRunCluster runs `make run-cluster` in the fresh copy on a free
// port range (REDIS_CLUSTER_PORT) with the dashboard alone (WITHOUT= the
// functions): it creates a healthy 3+3 cluster, the processes foreman
// starts get REDIS_CLUSTER_URL (the dashboard says so), the CLI in the
// copy reads it from .env.run; Ctrl-C stops foreman and every node and
// removes .env.run; a second run reuses the cluster, data included.
func TestMakeRunCluster(t *testing.T) {
	requireTool(t, "foreman")
	requireTool(t, "redis-cli")
	first := freeClusterPorts(t)
	t.Cleanup(func() { killClusterNodes(first) })
	var without []string
	for _, l := range procfile(t) {
		if l.function {
			without = append(without, l.name)
		}
	}
	env := []string{goflags(), "REDIS_CLUSTER_PORT=" + strconv.Itoa(first), "WITHOUT=" + strings.Join(without, " ")}
	urlLine := foremanSaid("dashboard", `redis cluster: (redis://\S+) \(from REDIS_CLUSTER_URL\)`)

	run := start(t, clone, env, "make", "run-cluster")
	run.waitFor(regexp.MustCompile(fmt.Sprintf(`created a Redis Cluster of 3 masters and 1 replica each on ports %d-%d`, first, first+clusterNodes-1)), 2*time.Minute)
	url := run.waitFor(urlLine, 30*time.Second)[1]
	opts, err := redis.ParseClusterURL(url)
	if err != nil || len(opts.Addrs) != clusterNodes || opts.Addrs[0] != fmt.Sprintf("127.0.0.1:%d", first) {
		t.Fatalf("REDIS_CLUSTER_URL %q (%v): want the %d nodes from %d", url, err, clusterNodes, first)
	}
	wantRoles(t, first)
	envRun, err := os.ReadFile(filepath.Join(clone, ".env.run"))
	if err != nil || !strings.Contains(string(envRun), "\nREDIS_CLUSTER_URL="+url+"\n") || strings.Contains(string(envRun), "REDIS_URL=") {
		t.Fatalf(".env.run (%v):\n%s\nwant REDIS_CLUSTER_URL=%s and no REDIS_URL", err, envRun, url)
	}
	if line, _ := cliStatus(t); line != "redis cluster: "+url+" (from .env.run)" {
		t.Errorf("CLI in the project folder says %q, want make run-cluster's cluster from .env.run", line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cc := redis.NewClusterClient(opts)
	defer cc.Close()
	if err := cc.Set(ctx, "run-cluster:probe", "kept", 0).Err(); err != nil {
		t.Fatal(err)
	}

	run.ctrlC(60 * time.Second)
	wantClusterDown(t, first)
	if !strings.Contains(run.Output(), "run-cluster.sh: stopped the Redis Cluster") {
		t.Errorf("make run-cluster did not say it stopped the cluster:\n%s", run.Output())
	}
	if _, err := os.Stat(filepath.Join(clone, ".env.run")); err == nil {
		t.Error(".env.run left behind after make run-cluster stopped")
	}

	again := start(t, clone, env, "make", "run-cluster")
	again.waitFor(regexp.MustCompile(`reusing the Redis Cluster in data/redis-cluster`), 2*time.Minute)
	again.waitFor(urlLine, 30*time.Second)
	wantRoles(t, first)
	redistest.Eventually(t, 10*time.Second, func() bool { return cc.Get(ctx, "run-cluster:probe").Val() == "kept" }, "the key written before the restart is gone")
	again.terminate(60 * time.Second)
	wantClusterDown(t, first)
}

// freeClusterPorts returns a first port, below the kernel's ephemeral
// range, where the nodes' ports and their bus ports (+10000) are free.
func freeClusterPorts(t *testing.T) int {
	t.Helper()
	for first := 17200; first+clusterNodes < 22768; first += 100 {
		ok := true
		for i := range clusterNodes {
			ok = ok && free(first+i) && free(first+i+10000)
		}
		if ok {
			return first
		}
	}
	t.Fatal("no free port range for the cluster")
	return 0
}

func free(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// wantRoles checks that every node says cluster_state:ok and that three
// are masters and three replicas.
func wantRoles(t *testing.T, first int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	roles := map[string]int{}
	for i := range clusterNodes {
		c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", first+i)})
		info, err := c.ClusterInfo(ctx).Result()
		role, _ := c.Do(ctx, "ROLE").Slice()
		_ = c.Close()
		if err != nil || !strings.Contains(info, "cluster_state:ok") || len(role) == 0 {
			t.Fatalf("node %d: %v %s", first+i, err, info)
		}
		roles[fmt.Sprint(role[0])]++
	}
	if roles["master"] != 3 || roles["slave"] != 3 {
		t.Fatalf("roles %v: want 3 masters and 3 replicas", roles)
	}
}

// wantClusterDown waits until no node listens any more.
func wantClusterDown(t *testing.T, first int) {
	t.Helper()
	redistest.Eventually(t, 15*time.Second, func() bool {
		for i := range clusterNodes {
			if !free(first + i) {
				return false
			}
		}
		return true
	}, "cluster nodes still listening after make run-cluster stopped")
}

// killClusterNodes kills the nodes a failed test may leave: they run in
// sessions of their own (so the test's kill of the make's process group
// misses them); their pid files say which, and a pid is killed only if
// it still is that node's redis-server.
func killClusterNodes(first int) {
	for i := range clusterNodes {
		port := strconv.Itoa(first + i)
		raw, err := os.ReadFile(filepath.Join(clone, "data", "redis-cluster", port, "redis.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || pid <= 1 {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && strings.Contains(string(cmdline), "redis-server") && strings.Contains(string(cmdline), ":"+port) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
