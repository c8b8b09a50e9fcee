package rdb

import (
	"context"
	"sync"
	"time"
)

// clusterPoll paces the reads of several streams on a Redis Cluster,
// which cannot block on streams of several slots at once: after each
// empty read the wait doubles, from pollMin up to pollMax (or the read's
// block, if shorter), and a read that finds entries resets it. So an idle
// function polls each of its streams about 10 times a second, and one
// under load does not wait at all.
type clusterPoll struct {
	mu   sync.Mutex
	next time.Duration
}

const (
	pollMin = 2 * time.Millisecond
	pollMax = 100 * time.Millisecond
)

// reset makes the next wait the shortest.
func (p *clusterPoll) reset() {
	p.mu.Lock()
	p.next = 0
	p.mu.Unlock()
}

// wait waits the next wait, at most block, or until ctx ends.
func (p *clusterPoll) wait(ctx context.Context, block time.Duration) {
	p.mu.Lock()
	d := max(p.next, pollMin)
	p.next = min(2*d, pollMax)
	p.mu.Unlock()
	if block > 0 {
		d = min(d, block)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
