package redistest

import (
	"context"
	"fmt"
	"slices"
)

// KillNode stops node with SIGKILL (a crash) and waits for the process
// to exit; the cluster sees it fail after NodeTimeout.
func (c *Cluster) KillNode(n *Node) error {
	n.closeClient()
	if err := n.Kill(); err != nil {
		return err
	}
	n.setDown(true)
	return nil
}

// KillMaster is KillNode for a node that serves slots now; it refuses a
// replica, so that a test that means to crash a master does not crash a
// replica by mistake after an earlier failover.
func (c *Cluster) KillMaster(ctx context.Context, n *Node) error {
	masters, err := c.Masters(ctx)
	if err != nil {
		return err
	}
	if !slices.Contains(masters, n) {
		return fmt.Errorf("redistest: %s is not a master", n.Addr())
	}
	return c.KillNode(n)
}

// WaitFailover waits until slot is served by a live node again (a replica
// of the killed master promoted) and the cluster is healthy (WaitHealthy),
// and returns that node.
func (c *Cluster) WaitFailover(ctx context.Context, slot int) (*Node, error) {
	for {
		n, err := c.MasterOf(ctx, slot)
		if err == nil && !n.isDown() {
			if err := c.WaitHealthy(ctx); err != nil {
				return nil, err
			}
			// A second look: the healthy view is the one every node shares.
			return c.MasterOf(ctx, slot)
		}
		if err := sleepCtx(ctx); err != nil {
			return nil, fmt.Errorf("redistest: slot %d not failed over: %w", slot, err)
		}
	}
}

// RestartNode starts a killed or stopped node again on the same port and
// bus port, with the same directory and nodes.conf, so that it rejoins
// the cluster (an old master whose slots were failed over comes back as
// a replica of its successor), and waits until the cluster is healthy.
func (c *Cluster) RestartNode(ctx context.Context, n *Node) error {
	if !n.isDown() {
		return fmt.Errorf("redistest: %s is running", n.Addr())
	}
	if err := n.Restart(); err != nil {
		return err
	}
	n.setDown(false)
	return c.WaitHealthy(ctx)
}
