package redistest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterOptions tune a Cluster. The zero value is three masters without
// replicas, in memory.
type ClusterOptions struct {
	// Masters is the number of masters (at least 3, as redis-cli requires;
	// 0 means 3). The 16384 slots are split evenly between them.
	Masters int
	// Replicas is the number of replicas of each master (0 or more).
	Replicas int
	// AppendOnly turns on AOF persistence on every node (appendfsync
	// always), so that a RestartNode keeps every acknowledged write.
	AppendOnly bool
	// NodeTimeout is cluster-node-timeout: how long a node may be
	// unreachable before it is failed over (0 means 1s).
	NodeTimeout time.Duration
	// Args are extra redis-server arguments for every node, such as
	// "--requirepass", "s3cret" (the kit then also sets --masterauth).
	Args []string
}

// Cluster is a Redis Cluster of redis-server processes on 127.0.0.1 and
// free ports, each node with a data directory of its own (where its
// nodes.conf lives).
type Cluster struct {
	nodes []*Node
	opts  ClusterOptions
}

// Node is one node of a Cluster: a Server whose role (master or replica)
// may change with failovers.
type Node struct {
	*Server
	// BusPort is the node's cluster bus port (cluster-port).
	BusPort int
	// ID is the node's cluster node ID (40 hex characters).
	ID string

	nodeMu sync.Mutex
	// down is set while the node was killed or stopped through the
	// Cluster and not restarted.
	down bool
	// rc is the kit's own client of the node (client).
	rc *redis.Client
}

// clusterReadyTimeout bounds how long StartCluster and the fault helpers
// wait for the cluster to settle.
const clusterReadyTimeout = 30 * time.Second

// StartCluster starts Masters*(1+Replicas) nodes, joins them with
// `redis-cli --cluster create` and waits until every node reports
// cluster_state:ok with every slot covered and every replica in sync.
func StartCluster(opts ClusterOptions) (*Cluster, error) {
	if opts.Masters == 0 {
		opts.Masters = 3
	}
	if opts.Masters < 3 || opts.Replicas < 0 {
		return nil, fmt.Errorf("redistest: a cluster needs at least 3 masters and no negative replica count, got %d and %d", opts.Masters, opts.Replicas)
	}
	if opts.NodeTimeout <= 0 {
		opts.NodeTimeout = time.Second
	}
	c := &Cluster{opts: opts}
	for range opts.Masters * (1 + opts.Replicas) {
		n, err := c.startNode()
		if err != nil {
			_ = c.Close()
			return nil, err
		}
		c.nodes = append(c.nodes, n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterReadyTimeout)
	defer cancel()
	if err := c.create(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	if err := c.WaitHealthy(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// startNode starts one cluster-enabled redis-server with a bus port of
// its own (two free ports, so that port+10000 never has to be free).
func (c *Cluster) startNode() (*Node, error) {
	bus, err := FreePort()
	if err != nil {
		return nil, err
	}
	args := []string{
		"--cluster-enabled", "yes",
		"--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.FormatInt(c.opts.NodeTimeout.Milliseconds(), 10),
		"--cluster-port", strconv.Itoa(bus),
		// A replica that lost its master for a while may still be promoted.
		"--cluster-replica-validity-factor", "0",
		// Replicas sync at once, not after the default 5s wait for more.
		"--repl-diskless-sync-delay", "0",
	}
	if pw := passwordOf(c.opts.Args); pw != "" {
		args = append(args, "--masterauth", pw)
	}
	s, err := Start(Options{AppendOnly: c.opts.AppendOnly, Args: append(args, c.opts.Args...)})
	if err != nil {
		return nil, err
	}
	n := &Node{Server: s, BusPort: bus}
	id, err := n.client().ClusterMyID(context.Background()).Result()
	if err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("redistest: CLUSTER MYID on %s: %w", s.Addr(), err)
	}
	n.ID = id
	return n, nil
}

// create joins the nodes with redis-cli --cluster create: the first
// Masters nodes become masters, the others their replicas.
func (c *Cluster) create(ctx context.Context) error {
	cli, err := CLIBinary()
	if err != nil {
		return err
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.nodes {
		args = append(args, n.Addr())
	}
	args = append(args, "--cluster-replicas", strconv.Itoa(c.opts.Replicas), "--cluster-yes")
	cmd := exec.CommandContext(ctx, cli, args...)
	if pw := c.password(); pw != "" {
		cmd.Env = append(os.Environ(), "REDISCLI_AUTH="+pw)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("redistest: redis-cli --cluster create: %w: %s", err, out)
	}
	return nil
}

// CLIBinary returns the path of redis-cli: $REDIS_CLI, else the redis-cli
// beside redis-server, else the one on $PATH.
func CLIBinary() (string, error) {
	if p := os.Getenv("REDIS_CLI"); p != "" {
		return p, nil
	}
	if srv, err := Binary(); err == nil {
		if p := filepath.Join(filepath.Dir(srv), "redis-cli"); isExecutable(p) {
			return p, nil
		}
	}
	p, err := exec.LookPath("redis-cli")
	if err != nil {
		return "", fmt.Errorf("redis-cli not found on PATH (apt-get install redis-tools): %w", err)
	}
	return p, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// passwordOf returns the --requirepass of redis-server args, if any.
func passwordOf(args []string) string {
	for i, a := range args {
		if a == "--requirepass" && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func (c *Cluster) password() string { return passwordOf(c.opts.Args) }

// Nodes returns every node, masters first as created (roles change with
// failovers: ask Masters or MasterOf for the current ones).
func (c *Cluster) Nodes() []*Node { return append([]*Node(nil), c.nodes...) }

// Addrs returns host:port of every node.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = n.Addr()
	}
	return addrs
}

// URL is a REDIS_CLUSTER_URL for the cluster, in go-redis's cluster URL
// form (redis.ParseClusterURL): redis://[:password@]first?addr=second&addr=...
func (c *Cluster) URL() string {
	addrs := c.Addrs()
	auth := ""
	if pw := c.password(); pw != "" {
		auth = ":" + pw + "@"
	}
	u := "redis://" + auth + addrs[0]
	if len(addrs) > 1 {
		u += "?addr=" + strings.Join(addrs[1:], "&addr=")
	}
	return u
}

// Options returns go-redis cluster options with every node as a seed.
// The slot map is reloaded every ClientStateReload at most: go-redis
// reloads it on a MOVED, but not when a master it routes to is down, so
// with its default (60s) a client sends a failed-over slot's commands to
// the dead master for up to a minute.
func (c *Cluster) Options() *redis.ClusterOptions {
	return &redis.ClusterOptions{Addrs: c.Addrs(), Password: c.password(), ClusterStateReloadInterval: ClientStateReload}
}

// ClientStateReload is the ClusterStateReloadInterval of Options.
const ClientStateReload = 500 * time.Millisecond

// Client returns a cluster client, closed when the test ends.
func (c *Cluster) Client(t testingT) *redis.ClusterClient {
	cc := redis.NewClusterClient(c.Options())
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// FlushAll empties every master (replicas follow).
func (c *Cluster) FlushAll(ctx context.Context) error {
	masters, err := c.Masters(ctx)
	if err != nil {
		return err
	}
	for _, n := range masters {
		if err := n.client().FlushAll(ctx).Err(); err != nil {
			return fmt.Errorf("redistest: FLUSHALL on %s: %w", n.Addr(), err)
		}
	}
	return nil
}

// Close stops every node and removes their directories.
func (c *Cluster) Close() error {
	var errs []error
	for _, n := range c.nodes {
		n.closeClient()
		errs = append(errs, n.Close())
	}
	return errors.Join(errs...)
}

// NewCluster starts a cluster for one test, closed when the test ends; it
// fails the test if the cluster does not come up.
func NewCluster(t testingT, opts ClusterOptions) *Cluster {
	t.Helper()
	c, err := StartCluster(opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// RunCluster starts one cluster for a test package, stores it in *c, runs
// the package's tests and closes the cluster. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(redistest.RunCluster(m, &cluster, redistest.ClusterOptions{})) }
func RunCluster(m *testing.M, c **Cluster, opts ClusterOptions) int {
	cl, err := StartCluster(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*c = cl
	code := m.Run()
	_ = cl.Close()
	return code
}
