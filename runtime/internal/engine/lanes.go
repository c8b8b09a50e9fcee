package engine

import "time"

// chunk is the run of a chunk of unordered entries, handing their
// outcomes to the committer in groups.
type chunk struct {
	p     *pool
	l     *lane
	slot  int
	items []*commitItem
	last  time.Time
}

func (c *chunk) flush() {
	if len(c.items) > 0 {
		c.p.f.com.Submit(c.items)
		c.items = nil
	}
}

// loop runs the chunk's entries from index from; false if its goroutine
// was given up.
func (c *chunk) loop(from int) bool {
	for k := from; k < len(c.l.msgs); k++ {
		out := c.p.run(c.l.msgs[k], c.flush, c.slot, func(out outcome) bool {
			return !c.step(k, out) || c.loop(k+1)
		})
		if out.kind == outGone {
			return false
		}
		if !c.step(k, out) {
			return true
		}
	}
	c.flush()
	return true
}

// step settles entry k's outcome; false if the chunk ends here (the hard
// stop: it and the rest are left pending).
func (c *chunk) step(k int, out outcome) bool {
	msg := c.l.msgs[k]
	switch out.kind {
	case outSettle:
		out.item.Release = msg
		c.items = append(c.items, out.item)
	case outStop:
		c.flush()
		for _, m := range c.l.msgs[k:] {
			c.p.drop(m)
		}
		return false
	case outCommitted:
	default: // outSkip, outWait (an unordered entry never waits in place)
		c.p.release(msg)
	}
	if now := time.Now(); len(c.items) > 0 && now.Sub(c.last) > flushEvery {
		c.flush()
		c.last = now
	}
	return true
}

// runLane works a key's lane until it is empty (then forgets it), parks
// (its head waits for a retry), or is abandoned (the hard stop). Each
// outcome goes to the committer before the key's next entry runs; the
// committer writes in submission order, so a key's effects land in stream
// order without the lane waiting for each commit.
//
// It returns false if its goroutine was given up (the lane goes on
// elsewhere).
func (p *pool) runLane(l *lane, slot int) bool {
	for {
		p.mu.Lock()
		if len(l.msgs) == 0 {
			if l.key != "" {
				delete(p.lanes, l.key)
			}
			p.mu.Unlock()
			return true
		}
		msg := l.msgs[0]
		p.mu.Unlock()
		out := p.run(msg, noFlush, slot, func(out outcome) bool {
			return !p.laneStep(l, msg, out) || p.runLane(l, slot)
		})
		if out.kind == outGone {
			return false
		}
		if !p.laneStep(l, msg, out) {
			return true
		}
	}
}

func noFlush() {}

// laneStep settles the outcome of l's head msg; false if the lane stops
// here (parked, or abandoned at the hard stop).
func (p *pool) laneStep(l *lane, msg *Entry, out outcome) bool {
	switch out.kind {
	case outWait:
		p.mu.Lock()
		l.msgs[0] = out.next
		p.mu.Unlock()
		if !p.park(l, out.delay) {
			p.abandon(l)
		}
		return false
	case outStop:
		p.abandon(l)
		return false
	}
	p.mu.Lock()
	l.msgs[0] = nil
	l.msgs = l.msgs[1:]
	p.mu.Unlock()
	switch out.kind {
	case outSettle:
		out.item.Release = msg
		p.f.com.Submit([]*commitItem{out.item})
	case outSkip:
		p.release(msg)
	}
	return true
}
