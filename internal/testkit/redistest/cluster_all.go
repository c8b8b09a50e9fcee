package redistest

import (
	"context"
	"errors"
)

// KillAll stops every node with SIGKILL, as a power cut of the whole
// cluster would; RestartAll brings them back.
func (c *Cluster) KillAll() error {
	var errs []error
	for _, n := range c.nodes {
		if !n.isDown() {
			errs = append(errs, c.KillNode(n))
		}
	}
	return errors.Join(errs...)
}

// RestartAll starts every node that is down again, each on its port with
// its data and nodes.conf, then waits until the cluster is healthy. With
// AppendOnly every acknowledged write is still there.
func (c *Cluster) RestartAll(ctx context.Context) error {
	for _, n := range c.nodes {
		if !n.isDown() {
			continue
		}
		if err := n.Restart(); err != nil {
			return err
		}
		n.setDown(false)
	}
	return c.WaitHealthy(ctx)
}
