package engine

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/ordershop/functions/runtime/internal/engine/duty"
	"github.com/ordershop/functions/runtime/internal/engine/watch"
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
	f     *Worker
	ctx   context.Context // ends at the hard stop
	jobs  chan *lane
	slots *semaphore.Weighted // one unit per entry in flight, parked ones aside
	held  *semaphore.Weighted // one unit per tracked entry
	gate  sync.RWMutex
	// dog is the watchdog of the workers' invocations.
	dog *watch.Dog

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
	msgs   []*Entry
	parked bool
	timer  *time.Timer
}

// flushEvery bounds how long an unordered lane holds settled invocations
// before it hands them to the committer.
const flushEvery = 2 * time.Millisecond

// heldPerSlot is how many tracked entries (most of them parked behind
// failing keys) the pool allows per slot.
const heldPerSlot = 4

func newPool(f *Worker, ctx context.Context) *pool {
	inFlight := max(f.cfg.BatchSize*4, f.Concurrency*2)
	p := &pool{
		f:       f,
		ctx:     ctx,
		jobs:    make(chan *lane, inFlight),
		slots:   semaphore.NewWeighted(int64(inFlight)),
		held:    semaphore.NewWeighted(int64(inFlight * heldPerSlot)),
		lanes:   map[string]*lane{},
		parked:  map[*lane]struct{}{},
		dropped: map[string]struct{}{},
		dog:     watch.NewDog(ctx, f.Concurrency, f.Timeout),
	}
	for i := range f.Concurrency {
		p.workers.Add(1)
		go p.work(i)
	}
	go p.dog.Run(p.gaveUp)
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
func (p *pool) release(msg *Entry) {
	p.f.inflight.Remove(msg.Stream, msg.ID)
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
func (p *pool) drop(msg *Entry) {
	if !msg.run.started && !msg.run.recovered {
		p.f.giveBack(msg.Stream, msg.ID)
	}
	p.release(msg)
}

// unslot gives back msg's slot while it waits parked; p.mu is held.
func (p *pool) unslot(msg *Entry) {
	if !msg.run.parked {
		msg.run.parked = true
		p.slots.Release(1)
	}
}

// submit queues msgs, which hold slots, for the workers.
func (p *pool) submit(msgs []*Entry) {
	if p.f.OrderingKey == "" {
		n := min(p.f.Concurrency, len(msgs))
		for i := range n {
			lo, hi := i*len(msgs)/n, (i+1)*len(msgs)/n
			p.enqueue(&lane{msgs: msgs[lo:hi:hi]})
		}
		return
	}
	for _, msg := range msgs {
		key := msg.Field(p.f.OrderingKey)
		if key == "" {
			p.enqueue(&lane{msgs: []*Entry{msg}})
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
		l := &lane{key: key, msgs: []*Entry{msg}}
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
func (p *pool) wait(timeout time.Duration) bool { return duty.WaitGroup(&p.settled, timeout) }

// waitWorkers waits up to timeout for the workers to return after the
// hard stop.
func (p *pool) waitWorkers(timeout time.Duration) bool { return duty.WaitGroup(&p.workers, timeout) }
