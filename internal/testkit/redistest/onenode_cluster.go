package redistest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// OneNodeCluster is a Redis Cluster of one node that serves every hash
// slot (redis-server --cluster-enabled yes, CLUSTER ADDSLOTSRANGE 0
// 16383). It enforces the rules of a real cluster — a multi-key command,
// a MULTI block or a Lua script whose keys are in different hash slots
// fails with CROSSSLOT — without the cost of six processes: tests of code
// that must be slot-safe run against it with a *redis.ClusterClient.
type OneNodeCluster struct {
	*Server
}

// StartOneNodeCluster starts a cluster-enabled redis-server on a free
// loopback port, gives it every slot and waits for cluster_state:ok.
func StartOneNodeCluster() (*OneNodeCluster, error) {
	s, err := Start(Options{Args: []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"}})
	if err != nil {
		return nil, err
	}
	c := &OneNodeCluster{Server: s}
	if err := c.assignSlots(10 * time.Second); err != nil {
		_ = s.Close()
		return nil, err
	}
	return c, nil
}

// NewOneNodeCluster is StartOneNodeCluster for one test: it fails the test
// if the cluster does not come up and closes it when the test ends.
func NewOneNodeCluster(t testingT) *OneNodeCluster {
	t.Helper()
	c, err := StartOneNodeCluster()
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// assignSlots gives the node slots 0-16383 and polls CLUSTER INFO until
// the cluster is ok.
func (c *OneNodeCluster) assignSlots(timeout time.Duration) error {
	ctx := context.Background()
	rdb := redis.NewClient(c.Server.Options())
	defer rdb.Close()
	if err := rdb.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", 0, 16383).Err(); err != nil {
		return fmt.Errorf("redistest: CLUSTER ADDSLOTSRANGE: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		info, err := rdb.ClusterInfo(ctx).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redistest: cluster not ok after %s: %q, %v", timeout, info, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ClusterOptions are the options of a cluster client of the node.
func (c *OneNodeCluster) ClusterOptions() *redis.ClusterOptions {
	return &redis.ClusterOptions{Addrs: []string{c.Addr()}}
}

// ClusterClient returns a cluster client of the node, closed when the
// test ends.
func (c *OneNodeCluster) ClusterClient(t testingT) *redis.ClusterClient {
	rdb := redis.NewClusterClient(c.ClusterOptions())
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// RunWithOneNodeCluster is Run that also starts a OneNodeCluster for the
// package, stored in *node, for its tests of slot safety:
//
//	func TestMain(m *testing.M) { os.Exit(redistest.RunWithOneNodeCluster(m, &srv, &node)) }
func RunWithOneNodeCluster(m *testing.M, srv **Server, node **OneNodeCluster) int {
	c, err := StartOneNodeCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*node = c
	code := Run(m, srv)
	_ = c.Close()
	return code
}
