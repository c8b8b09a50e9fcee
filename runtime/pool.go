package runtime

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// pool runs a function's invocations on a bounded set of workers.
//
// Work is handed out in lanes, a lane being a queue of entries that one
// worker runs in order. Without an ordering key a read batch is cut into
// at most Concurrency lanes (one hand-off per lane, not per entry). With an
// ordering key every key has its own lane: a key's entries run one at a
// time in arrival order, other keys' lanes run on the other workers. A
// lane whose head failed waits for its retry parked, off the workers: a
// timer puts it back, and meanwhile its entries hold no worker and no
// slot, so a failing key holds back only itself.
//
// The pool bounds the entries in flight (read but not yet settled, parked
// ones aside) with slots, so that the reader never runs ahead of the
// workers and the committer, and every tracked entry, parked or not, with
// held.
//
// A recovered entry (delivered before and never settled: its holder died,
// stopped or hung, so it may be what crashed it) runs alone: it takes the
// gate exclusively, so that no other invocation runs beside it and every
// earlier outcome is committed before it starts, and its own outcome is
// committed before anything else starts. A crash during its run is then
// charged to it alone (see runner.go).
type pool struct {
	f     *function
	ctx   context.Context // ends at the hard stop
	jobs  chan *lane
	slots *semaphore.Weighted // one unit per entry in flight, parked ones aside
	held  *semaphore.Weighted // one unit per tracked entry
	gate  sync.RWMutex
	// watches holds each worker's running invocation, for the watchdog.
	watches []atomic.Pointer[watch]

	mu       sync.Mutex
	lanes    map[string]*lane // by key, while the key has entries
	parked   map[*lane]struct{}
	stopping bool                // reading has stopped: no lane parks again
	dropped  map[string]struct{} // keys whose lane was abandoned at shutdown

	workers sync.WaitGroup
	settled sync.WaitGroup // entries in flight, until released
}

// lane is the queue of one ordering key, or a chunk of unordered entries.
type lane struct {
	key    string
	msgs   []*Message
	parked bool
	timer  *time.Timer
}

// flushEvery bounds how long an unordered lane holds settled invocations
// before it hands them to the committer.
const flushEvery = 2 * time.Millisecond

// heldPerSlot is how many tracked entries (most of them parked behind
// failing keys) the pool allows per slot.
const heldPerSlot = 4

func newPool(f *function, ctx context.Context) *pool {
	inFlight := max(f.rt.cfg.BatchSize*4, f.Concurrency*2)
	p := &pool{
		f:       f,
		ctx:     ctx,
		jobs:    make(chan *lane, inFlight),
		slots:   semaphore.NewWeighted(int64(inFlight)),
		held:    semaphore.NewWeighted(int64(inFlight * heldPerSlot)),
		lanes:   map[string]*lane{},
		parked:  map[*lane]struct{}{},
		dropped: map[string]struct{}{},
		watches: make([]atomic.Pointer[watch], f.Concurrency),
	}
	for i := range f.Concurrency {
		p.workers.Add(1)
		go p.work(i)
	}
	go p.watchdog()
	return p
}

// acquire takes slots for n more entries in flight; false if ctx ended.
func (p *pool) acquire(ctx context.Context, n int) bool {
	if n == 0 {
		return true
	}
	if err := p.held.Acquire(ctx, int64(n)); err != nil {
		return false
	}
	if err := p.slots.Acquire(ctx, int64(n)); err != nil {
		p.held.Release(int64(n))
		return false
	}
	p.settled.Add(n)
	return true
}

// release returns the slot of a settled (or abandoned) entry.
func (p *pool) release(msg *Message) {
	p.f.inflight.remove(msg.Stream, msg.ID)
	if !msg.run.parked {
		p.slots.Release(1)
	}
	p.held.Release(1)
	if msg.run.gated {
		msg.run.gated = false
		p.gate.RUnlock()
	}
	p.settled.Done()
}

// drop abandons an entry: it stays pending and is redelivered. A fresh
// entry that never started has its delivery given back.
func (p *pool) drop(msg *Message) {
	if !msg.run.started && !msg.run.recovered {
		p.f.giveBack(msg.Stream, msg.ID)
	}
	p.release(msg)
}

// unslot gives back msg's slot while it waits parked; p.mu is held.
func (p *pool) unslot(msg *Message) {
	if !msg.run.parked {
		msg.run.parked = true
		p.slots.Release(1)
	}
}

// submit queues msgs, which hold slots, for the workers.
func (p *pool) submit(msgs []*Message) {
	if p.f.OrderingKey == "" {
		n := min(p.f.Concurrency, len(msgs))
		for i := range n {
			lo, hi := i*len(msgs)/n, (i+1)*len(msgs)/n
			p.enqueue(&lane{msgs: msgs[lo:hi:hi]})
		}
		return
	}
	for _, msg := range msgs {
		key := msg.field(p.f.OrderingKey)
		if key == "" {
			p.enqueue(&lane{msgs: []*Message{msg}})
			continue
		}
		p.mu.Lock()
		if _, ok := p.dropped[key]; ok {
			// Its key's earlier entries were left pending at shutdown:
			// running it now would overtake them.
			p.mu.Unlock()
			p.drop(msg)
			continue
		}
		if l, ok := p.lanes[key]; ok {
			l.msgs = append(l.msgs, msg)
			if l.parked {
				p.unslot(msg)
			}
			p.mu.Unlock()
			continue
		}
		l := &lane{key: key, msgs: []*Message{msg}}
		p.lanes[key] = l
		p.mu.Unlock()
		p.enqueue(l)
	}
}

// enqueue hands a lane to the workers, or abandons it after the hard stop.
func (p *pool) enqueue(l *lane) {
	select {
	case p.jobs <- l:
	case <-p.ctx.Done():
		p.abandon(l)
	}
}

func (p *pool) work(slot int) {
	defer p.workers.Done()
	p.serve(slot)
}

// serve works lanes as worker slot until the hard stop, or until its
// goroutine is given up (a handler outlived its time).
func (p *pool) serve(slot int) {
	for {
		select {
		case l := <-p.jobs:
			var ok bool
			if p.f.OrderingKey == "" {
				c := &chunk{p: p, l: l, slot: slot, last: time.Now()}
				ok = c.loop(0)
			} else {
				ok = p.runLane(l, slot)
			}
			if !ok {
				return
			}
		case <-p.ctx.Done():
			return
		}
	}
}

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
		c.p.f.com.submit(c.items)
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
		out.item.release = msg
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
func (p *pool) laneStep(l *lane, msg *Message, out outcome) bool {
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
		out.item.release = msg
		p.f.com.submit([]*commitItem{out.item})
	case outSkip:
		p.release(msg)
	}
	return true
}

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

// abandonQueued leaves pending the lanes still queued after the hard stop.
func (p *pool) abandonQueued() {
	for {
		select {
		case l := <-p.jobs:
			p.abandon(l)
		default:
			return
		}
	}
}

// wait waits for every entry in flight to settle, up to timeout; false if
// time ran out.
func (p *pool) wait(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() {
		p.settled.Wait()
		close(done)
	}()
	t := time.NewTimer(max(timeout, 0))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// waitWorkers waits up to timeout for the workers to return after the
// hard stop.
func (p *pool) waitWorkers(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() {
		p.workers.Wait()
		close(done)
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
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
