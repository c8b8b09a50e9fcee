package engine

import (
	"context"
	"sync/atomic"
	"time"
)

// A handler runs inline on its worker's goroutine (no goroutine, timer or
// context of the standard library per invocation): the pool's watchdog
// cancels its context at its deadline and, if it has not returned
// abandonGrace later, gives it up: the attempt fails and a new goroutine
// carries on the worker's lane, while the old one finishes the handler
// and exits.

// watch states.
const (
	watchRunning int32 = iota
	watchReturned
	watchGivenUp
)

// watch is one invocation running inline on a worker; it is also the
// handler's context.
type Watch struct {
	invCtx
	started  time.Time
	giveUpAt atomic.Int64 // Unix ns
	state    atomic.Int32
	// giveUp carries on after the invocation was given up, on a new
	// goroutine that then serves as the worker; false if that goroutine
	// was given up in turn.
	giveUp func() bool
}

// invCtx is an invocation's context: the runtime's handler context with
// a deadline, cancelled by the watchdog.
type invCtx struct {
	parent   context.Context
	deadline time.Time
	done     chan struct{}
	closed   atomic.Bool
	err      error
}

// Deadline is the invocation's timeout.
func (c *invCtx) Deadline() (time.Time, bool) { return c.deadline, true }

// Done is closed when the invocation's time is up or the runtime stops.
func (c *invCtx) Done() <-chan struct{} { return c.done }

// Err says why Done is closed.
func (c *invCtx) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Value is the parent's.
func (c *invCtx) Value(key any) any { return c.parent.Value(key) }

func (c *invCtx) cancel(err error) {
	if c.closed.CompareAndSwap(false, true) {
		c.err = err
		close(c.done)
	}
}

// watchdog watches the invocations of p's workers until the hard stop
// has passed and none is left.
func (p *pool) watchdog() {
	tick := min(max(p.f.Timeout/20, 5*time.Millisecond), 250*time.Millisecond)
	t := time.NewTicker(tick)
	defer t.Stop()
	stopped := false
	for {
		if stopped {
			<-t.C
		} else {
			select {
			case <-p.ctx.Done():
			case <-t.C:
			}
		}
		now := time.Now()
		if p.ctx.Err() != nil && !stopped {
			stopped = true
			for i := range p.watches {
				if w := p.watches[i].Load(); w != nil {
					w.cancel(context.Canceled)
					w.giveUpAt.Store(min(w.giveUpAt.Load(), now.Add(abandonGrace).UnixNano()))
				}
			}
		}
		busy := false
		for i := range p.watches {
			w := p.watches[i].Load()
			if w == nil {
				continue
			}
			busy = true
			if !now.Before(w.deadline) {
				w.cancel(context.DeadlineExceeded)
			}
			if now.UnixNano() >= w.giveUpAt.Load() && w.state.CompareAndSwap(watchRunning, watchGivenUp) {
				p.watches[i].CompareAndSwap(w, nil)
				p.workers.Add(1)
				go func() {
					defer p.workers.Done()
					if w.giveUp() {
						p.serve(i)
					}
				}()
			}
		}
		if stopped && !busy {
			return
		}
	}
}

// invokeInline runs msg's handler on this goroutine as worker slot's
// invocation w; gone is true when it was given up meanwhile (the caller
// must then leave everything to w.giveUp and return).
func (p *pool) invokeInline(slot int, w *Watch, msg *Entry) (err error, gone bool) {
	p.watches[slot].Store(w)
	if p.ctx.Err() != nil {
		w.cancel(context.Canceled)
	}
	err = p.f.host.Invoke(w, msg)
	if w.state.Load() != watchReturned {
		return nil, true // the chain's timeout found it given up
	}
	p.watches[slot].CompareAndSwap(w, nil)
	return err, false
}

// newWatch returns the watch of an invocation starting now.
func (p *pool) newWatch(giveUp func() bool) *Watch {
	now := time.Now()
	w := &Watch{
		invCtx:  invCtx{parent: p.ctx, deadline: now.Add(p.f.Timeout), done: make(chan struct{})},
		started: now,
		giveUp:  giveUp,
	}
	w.giveUpAt.Store(w.deadline.Add(abandonGrace).UnixNano())
	return w
}
