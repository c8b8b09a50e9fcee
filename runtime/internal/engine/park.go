package engine

import "time"

// park makes l wait d for its head's retry, off the workers; false once
// reading has stopped (the lane is then abandoned, its head first).
func (p *pool) park(l *lane, d time.Duration) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopping || p.ctx.Err() != nil {
		return false
	}
	l.parked = true
	for _, m := range l.msgs {
		p.unslot(m)
	}
	p.parked[l] = struct{}{}
	l.timer = time.AfterFunc(d, func() { p.resume(l) })
	return true
}

// resume puts a parked lane back to work when its retry is due.
func (p *pool) resume(l *lane) {
	p.mu.Lock()
	if !l.parked {
		p.mu.Unlock()
		return // abandoned meanwhile
	}
	l.parked = false
	delete(p.parked, l)
	p.mu.Unlock()
	p.enqueue(l)
}

// abandon leaves every entry of l pending, head first, and makes sure no
// later entry of its key runs before a restart: per-key order survives a
// shutdown.
func (p *pool) abandon(l *lane) {
	p.mu.Lock()
	msgs := l.msgs
	l.msgs, l.parked = nil, false
	delete(p.parked, l)
	if l.key != "" {
		if p.lanes[l.key] == l {
			delete(p.lanes, l.key)
		}
		if p.stopping || p.ctx.Err() != nil {
			p.dropped[l.key] = struct{}{}
		}
	}
	p.mu.Unlock()
	for _, m := range msgs {
		p.drop(m)
	}
}

// abandonParked leaves the lanes waiting for a retry whose entries are of
// streams pending, at once: their partition is handed over or lost, and
// its next owner runs them, in order.
func (p *pool) abandonParked(streams []string) {
	in := make(map[string]bool, len(streams))
	for _, s := range streams {
		in[s] = true
	}
	p.mu.Lock()
	var ls []*lane
	for l := range p.parked {
		if len(l.msgs) > 0 && in[l.msgs[0].Stream] {
			l.timer.Stop()
			ls = append(ls, l)
		}
	}
	p.mu.Unlock()
	for _, l := range ls {
		p.abandon(l)
	}
}

// stop is called once reading has stopped: lanes waiting for a retry are
// abandoned at once (their entries stay pending, in order), and no lane
// parks again.
func (p *pool) stop() {
	p.mu.Lock()
	p.stopping = true
	var ls []*lane
	for l := range p.parked {
		l.timer.Stop()
		ls = append(ls, l)
	}
	p.mu.Unlock()
	for _, l := range ls {
		p.abandon(l)
	}
}

// reserve holds key for a run outside the lanes (a replay of an ordered
// function): false if the key has entries here (queued, running or
// waiting), which then go first. Entries of the key that arrive meanwhile
// wait in the reserved lane, holding no slot, until unreserve.
func (p *pool) reserve(key string) (*lane, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.lanes[key]; ok || p.stopping {
		return nil, false
	}
	l := &lane{key: key, parked: true}
	p.lanes[key] = l
	return l, true
}

// unreserve ends a reservation: the entries that arrived meanwhile run.
func (p *pool) unreserve(l *lane) {
	p.mu.Lock()
	l.parked = false
	if len(l.msgs) == 0 {
		delete(p.lanes, l.key)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	p.enqueue(l)
}
