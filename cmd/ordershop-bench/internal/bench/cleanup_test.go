package bench

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/internal/testkit/redistest"
)

// twoMasters starts a Redis Cluster of two masters, each serving half of
// the slots, and returns a client of it.
func twoMasters(t *testing.T) (*redis.ClusterClient, []*redis.Client) {
	t.Helper()
	ctx := context.Background()
	var nodes []*redis.Client
	for i, slots := range [][2]int{{0, 8191}, {8192, 16383}} {
		srv := redistest.New(t, redistest.Options{Args: []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"}})
		node := srv.Client(t)
		if err := node.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", slots[0], slots[1]).Err(); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if err := node.ClusterMeet(ctx, "127.0.0.1", strings.TrimPrefix(nodes[0].Options().Addr, "127.0.0.1:")).Err(); err != nil {
				t.Fatal(err)
			}
		}
		nodes = append(nodes, node)
	}
	for _, node := range nodes {
		redistest.Eventually(t, 15*time.Second, func() bool {
			return strings.Contains(node.ClusterInfo(ctx).Val(), "cluster_state:ok") &&
				strings.Contains(node.ClusterInfo(ctx).Val(), "cluster_known_nodes:2")
		}, "the two-master cluster ok")
	}
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{nodes[0].Options().Addr}})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb, nodes
}

// TestCleanupOnCluster: on a Cluster of two masters, cleanup deletes named
// keys of many slots and every key matching a pattern on either master,
// and leaves the others; keysMatching finds a pattern's keys on both;
// flushAll empties both.
func TestCleanupOnCluster(t *testing.T) {
	rdb, nodes := twoMasters(t)
	ctx := context.Background()
	var named, matched []string
	for i := range 40 {
		named = append(named, "bench:named:"+strconv.Itoa(i))
		matched = append(matched, "bench:rec:"+strconv.Itoa(i))
	}
	for _, k := range append(append([]string{"other:keep"}, named...), matched...) {
		if err := rdb.Set(ctx, k, "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for i, node := range nodes {
		if n := node.DBSize(ctx).Val(); n == 0 {
			t.Fatalf("master %d holds no key: the test needs keys on both", i)
		}
	}
	found, err := keysMatching(ctx, rdb, "bench:rec:*")
	if err != nil || len(found) != len(matched) {
		t.Fatalf("keysMatching found %d keys (%v), want %d, on both masters", len(found), err, len(matched))
	}

	cleanup(rdb, named, "bench:rec:*")
	total := int64(0)
	for _, node := range nodes {
		total += node.DBSize(ctx).Val()
	}
	if total != 1 || rdb.Exists(ctx, "other:keep").Val() != 1 {
		t.Fatalf("after cleanup the cluster holds %d keys, want only other:keep", total)
	}

	for _, k := range named {
		rdb.Set(ctx, k, "x", 0)
	}
	if err := flushAll(ctx, rdb); err != nil {
		t.Fatal(err)
	}
	for i, node := range nodes {
		if n := node.DBSize(ctx).Val(); n != 0 {
			t.Errorf("flushAll left %d keys on master %d", n, i)
		}
	}
}
