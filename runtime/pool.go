package runtime

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// pool runs a function's invocations on a bounded set of workers.
//
// Work is handed out in lanes, a lane being a queue of entries that one
// worker runs in order. Without an ordering key a read batch is cut into
// at most Concurrency lanes (one hand-off per lane, not per entry). With an
// ordering key every key has its own lane: a key's entries run one at a
// time in arrival order, other keys' lanes run on the other workers, so a
// slow or retrying key holds back only itself.
//
// The pool also bounds the entries in flight (read but not yet settled), so
// that the reader never runs ahead of the workers and the committer.
type pool struct {
	f       *function
	ctx     context.Context
	jobs    chan *lane
	slots   *semaphore.Weighted // one unit per entry in flight
	mu      sync.Mutex
	lanes   map[string]*lane
	workers sync.WaitGroup
	settled sync.WaitGroup // entries in flight, until released
}

// lane is the queue of one ordering key, or a chunk of unordered entries.
type lane struct {
	key  string
	msgs []*Message
}

// flushEvery bounds how long an unordered lane holds settled invocations
// before it hands them to the committer.
const flushEvery = 2 * time.Millisecond

func newPool(f *function, ctx context.Context) *pool {
	inFlight := max(f.rt.cfg.BatchSize*4, f.Concurrency*2)
	p := &pool{
		f:     f,
		ctx:   ctx,
		jobs:  make(chan *lane, inFlight),
		slots: semaphore.NewWeighted(int64(inFlight)),
		lanes: map[string]*lane{},
	}
	for range f.Concurrency {
		p.workers.Add(1)
		go p.work()
	}
	return p
}

// acquire takes slots for n more entries in flight; false if ctx ended.
func (p *pool) acquire(ctx context.Context, n int) bool {
	if n == 0 {
		return true
	}
	if err := p.slots.Acquire(ctx, int64(n)); err != nil {
		return false
	}
	p.settled.Add(n)
	return true
}

// release returns the slot of a settled (or abandoned) entry.
func (p *pool) release(msg *Message) {
	p.f.inflight.remove(msg.Stream, msg.ID)
	p.slots.Release(1)
	p.settled.Done()
}

// submit queues msgs, which hold slots, for the workers.
func (p *pool) submit(msgs []*Message) {
	if p.f.OrderingKey == "" {
		n := min(p.f.Concurrency, len(msgs))
		for i := range n {
			lo, hi := i*len(msgs)/n, (i+1)*len(msgs)/n
			p.jobs <- &lane{msgs: msgs[lo:hi:hi]}
		}
		return
	}
	for _, msg := range msgs {
		key := msg.field(p.f.OrderingKey)
		if key == "" {
			p.jobs <- &lane{msgs: []*Message{msg}}
			continue
		}
		p.mu.Lock()
		if l, ok := p.lanes[key]; ok {
			l.msgs = append(l.msgs, msg)
			p.mu.Unlock()
			continue
		}
		l := &lane{key: key, msgs: []*Message{msg}}
		p.lanes[key] = l
		p.mu.Unlock()
		p.jobs <- l
	}
}

func (p *pool) work() {
	defer p.workers.Done()
	for l := range p.jobs {
		if p.f.OrderingKey == "" {
			p.runChunk(l)
		} else {
			p.runLane(l)
		}
	}
}

// runChunk runs a chunk of unordered entries, handing their outcomes to
// the committer in groups.
func (p *pool) runChunk(l *lane) {
	var items []*commitItem
	last := time.Now()
	for _, msg := range l.msgs {
		if it := p.f.handleEntry(p.ctx, msg); it != nil {
			it.release = msg
			items = append(items, it)
		} else {
			p.release(msg)
		}
		if now := time.Now(); len(items) > 0 && now.Sub(last) > flushEvery {
			p.f.com.submit(items)
			items, last = nil, now
		}
	}
	if len(items) > 0 {
		p.f.com.submit(items)
	}
}

// runLane works a key's lane until it is empty, then forgets it. Each
// outcome goes to the committer before the key's next entry runs; the
// committer writes in submission order (a failed group is retried before
// any later one), so a key's effects land in stream order without the lane
// waiting for each commit.
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
		if it := p.f.handleEntry(p.ctx, msg); it != nil {
			it.release = msg
			p.f.com.submit([]*commitItem{it})
		} else {
			p.release(msg)
		}
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
