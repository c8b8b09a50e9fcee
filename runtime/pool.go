package runtime

import (
	"context"
	"sync"
	"time"
)

// pool runs a function's invocations on a bounded set of workers.
//
// Without an ordering key every entry is its own job. With one, entries
// are queued per key in a lane: a lane is worked by one worker at a time,
// in arrival order, and other keys' lanes run on the other workers, so a
// slow or retrying key holds back only itself.
//
// The pool also bounds the entries in flight (read but not yet settled), so
// that a reader never runs ahead of the workers and the committer.
type pool struct {
	f       *function
	ctx     context.Context
	jobs    chan *lane
	slots   chan struct{} // one token per entry in flight
	mu      sync.Mutex
	lanes   map[string]*lane
	workers sync.WaitGroup
	settled sync.WaitGroup // entries in flight, until released
}

// lane is the queue of one ordering key (or a single unordered entry).
type lane struct {
	key  string
	msgs []*Message
}

func newPool(f *function, ctx context.Context) *pool {
	inFlight := max(f.rt.cfg.BatchSize*4, f.Concurrency*2)
	p := &pool{
		f:     f,
		ctx:   ctx,
		jobs:  make(chan *lane, inFlight),
		slots: make(chan struct{}, inFlight),
		lanes: map[string]*lane{},
	}
	for range f.Concurrency {
		p.workers.Add(1)
		go p.work()
	}
	return p
}

// acquire takes a slot for one more entry in flight; false if ctx ended.
func (p *pool) acquire(ctx context.Context) bool {
	select {
	case p.slots <- struct{}{}:
		p.settled.Add(1)
		return true
	case <-ctx.Done():
		return false
	}
}

// release returns the slot of a settled (or abandoned) entry.
func (p *pool) release(msg *Message) {
	p.f.inflight.remove(msg.Stream, msg.ID)
	<-p.slots
	p.settled.Done()
}

// submit queues msg, which holds a slot, for a worker.
func (p *pool) submit(msg *Message) {
	key := ""
	if p.f.OrderingKey != "" {
		key = msg.Fields[p.f.OrderingKey]
	}
	if key == "" {
		p.jobs <- &lane{msgs: []*Message{msg}}
		return
	}
	p.mu.Lock()
	if l, ok := p.lanes[key]; ok {
		l.msgs = append(l.msgs, msg)
		p.mu.Unlock()
		return
	}
	l := &lane{key: key, msgs: []*Message{msg}}
	p.lanes[key] = l
	p.mu.Unlock()
	p.jobs <- l
}

func (p *pool) work() {
	defer p.workers.Done()
	for l := range p.jobs {
		p.runLane(l)
	}
}

// runLane works a lane until it is empty, then forgets it.
func (p *pool) runLane(l *lane) {
	for {
		p.mu.Lock()
		if len(l.msgs) == 0 {
			if l.key != "" {
				delete(p.lanes, l.key)
			}
			p.mu.Unlock()
			return
		}
		msg := l.msgs[0]
		l.msgs[0] = nil
		l.msgs = l.msgs[1:]
		p.mu.Unlock()
		p.f.handleEntry(p.ctx, msg, func() { p.release(msg) })
	}
}

// close stops intake: no submit may follow.
func (p *pool) close() { close(p.jobs) }

// wait waits for the workers and every entry in flight to settle, up to
// timeout; false if time ran out.
func (p *pool) wait(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() {
		p.workers.Wait()
		p.settled.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(max(timeout, 0)):
		return false
	}
}
