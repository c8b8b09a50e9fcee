package redistest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordershop/functions/runtime/partition"
	"github.com/redis/go-redis/v9"
)

// SlotCount is the number of hash slots of a Redis Cluster.
const SlotCount = partition.SlotCount

// clusterNode is one line of CLUSTER NODES.
type clusterNode struct {
	id, addr, master string
	flags            []string
	// slots are the slot ranges the node serves, as written ("0-5460",
	// "5461"); migration markers ("[5->-id]") are left out.
	slots []string
}

func (n clusterNode) has(flag string) bool { return slices.Contains(n.flags, flag) }

// failing reports a node this view thinks down or not yet known.
func (n clusterNode) failing() bool {
	return n.has("fail") || n.has("fail?") || n.has("handshake") || n.has("noaddr")
}

// owns reports whether n serves slot in this view.
func (n clusterNode) owns(slot int) bool {
	for _, r := range n.slots {
		lo, hi, _ := strings.Cut(r, "-")
		if hi == "" {
			hi = lo
		}
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		if err1 == nil && err2 == nil && slot >= l && slot <= h {
			return true
		}
	}
	return false
}

// parseClusterNodes reads the output of CLUSTER NODES.
func parseClusterNodes(s string) []clusterNode {
	var out []clusterNode
	for line := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		addr, _, _ := strings.Cut(f[1], "@")
		n := clusterNode{id: f[0], addr: addr, flags: strings.Split(f[2], ","), master: f[3]}
		for _, r := range f[8:] {
			if !strings.HasPrefix(r, "[") {
				n.slots = append(n.slots, r)
			}
		}
		out = append(out, n)
	}
	return out
}

// view is CLUSTER NODES as node n sees it.
func (n *Node) view(ctx context.Context) ([]clusterNode, error) {
	s, err := n.client().ClusterNodes(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("redistest: CLUSTER NODES on %s: %w", n.Addr(), err)
	}
	return parseClusterNodes(s), nil
}

// live returns the nodes not killed or stopped through the Cluster.
func (c *Cluster) live() []*Node {
	var out []*Node
	for _, n := range c.nodes {
		if !n.isDown() {
			out = append(out, n)
		}
	}
	return out
}

// byID returns the node with the cluster ID id, or nil.
func (c *Cluster) byID(id string) *Node {
	for _, n := range c.nodes {
		if n.ID == id {
			return n
		}
	}
	return nil
}

// firstView is CLUSTER NODES from the first live node that answers.
func (c *Cluster) firstView(ctx context.Context) ([]clusterNode, error) {
	var last error = fmt.Errorf("redistest: no live node")
	for _, n := range c.live() {
		v, err := n.view(ctx)
		if err == nil {
			return v, nil
		}
		last = err
	}
	return nil, last
}

// Masters returns the nodes that serve slots now, in the order of Nodes.
func (c *Cluster) Masters(ctx context.Context) ([]*Node, error) {
	v, err := c.firstView(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Node
	for _, cn := range v {
		if n := c.byID(cn.id); n != nil && cn.has("master") && len(cn.slots) > 0 && !n.isDown() {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *Node) int { return slices.Index(c.nodes, a) - slices.Index(c.nodes, b) })
	return out, nil
}

// MasterOf returns the node that serves slot, as the first live node sees
// it (after WaitHealthy every node agrees).
func (c *Cluster) MasterOf(ctx context.Context, slot int) (*Node, error) {
	v, err := c.firstView(ctx)
	if err != nil {
		return nil, err
	}
	for _, cn := range v {
		if cn.has("master") && cn.owns(slot) {
			if n := c.byID(cn.id); n != nil {
				return n, nil
			}
		}
	}
	return nil, fmt.Errorf("redistest: no master serves slot %d", slot)
}

// MasterOfKey returns the node that serves key's slot.
func (c *Cluster) MasterOfKey(ctx context.Context, key string) (*Node, error) {
	return c.MasterOf(ctx, Slot(key))
}

// WaitHealthy polls every live node until each reports cluster_state:ok
// with all 16384 slots served, sees no live node as failing, agrees with
// the others on who serves which slots, and, if it is a replica, is in
// sync with its master; it gives up when ctx ends.
func (c *Cluster) WaitHealthy(ctx context.Context) error {
	var why error
	for {
		if why = c.healthy(ctx); why == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redistest: cluster not healthy: %w (%w)", why, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// healthy returns why the cluster is not settled yet, or nil.
func (c *Cluster) healthy(ctx context.Context) error {
	live := c.live()
	liveIDs := map[string]bool{}
	for _, n := range live {
		liveIDs[n.ID] = true
	}
	var owners string
	for _, n := range live {
		info, err := n.client().ClusterInfo(ctx).Result()
		if err != nil {
			return fmt.Errorf("CLUSTER INFO on %s: %w", n.Addr(), err)
		}
		for _, want := range []string{"cluster_state:ok", "cluster_slots_ok:16384", "cluster_known_nodes:" + strconv.Itoa(len(c.nodes))} {
			if !strings.Contains(info, want+"\r\n") {
				return fmt.Errorf("%s lacks %s", n.Addr(), want)
			}
		}
		v, err := n.view(ctx)
		if err != nil {
			return err
		}
		var mine []string
		for _, cn := range v {
			if liveIDs[cn.id] && cn.failing() {
				return fmt.Errorf("%s sees %s as %v", n.Addr(), cn.addr, cn.flags)
			}
			if cn.has("master") && len(cn.slots) > 0 {
				mine = append(mine, cn.id+":"+strings.Join(cn.slots, ","))
			}
			if cn.has("myself") && cn.has("slave") {
				if err := inSync(ctx, n); err != nil {
					return err
				}
			}
		}
		slices.Sort(mine)
		if s := strings.Join(mine, " "); owners == "" {
			owners = s
		} else if s != owners {
			return fmt.Errorf("%s disagrees on slot owners", n.Addr())
		}
	}
	return nil
}

// inSync reports whether replica n is linked to its master and done with
// its initial sync.
func inSync(ctx context.Context, n *Node) error {
	info, err := n.client().Info(ctx, "replication").Result()
	if err != nil {
		return fmt.Errorf("INFO replication on %s: %w", n.Addr(), err)
	}
	if !strings.Contains(info, "master_link_status:up\r\n") || !strings.Contains(info, "master_sync_in_progress:0\r\n") {
		return fmt.Errorf("replica %s not in sync", n.Addr())
	}
	return nil
}

// client is a plain (non-cluster) client of the node alone, for the kit's
// own commands; it follows no redirects.
func (n *Node) client() *redis.Client {
	n.nodeMu.Lock()
	defer n.nodeMu.Unlock()
	if n.rc == nil {
		n.rc = redis.NewClient(&redis.Options{Addr: n.Addr(), Password: n.password(), MaxRetries: -1, DialTimeout: time.Second})
	}
	return n.rc
}

func (n *Node) closeClient() {
	n.nodeMu.Lock()
	defer n.nodeMu.Unlock()
	if n.rc != nil {
		_ = n.rc.Close()
		n.rc = nil
	}
}

func (n *Node) isDown() bool {
	n.nodeMu.Lock()
	defer n.nodeMu.Unlock()
	return n.down
}

func (n *Node) setDown(down bool) {
	n.nodeMu.Lock()
	defer n.nodeMu.Unlock()
	n.down = down
}
