package engine

import (
	"context"
	"time"

	"github.com/ordershop/functions/runtime/internal/engine/watch"
)

// A handler runs inline on its worker's goroutine, under a watch
// (engine/watch): the pool's watchdog cancels its context at its deadline
// and, if it has not returned watch.AbandonGrace later, gives it up: the
// attempt fails and a new goroutine carries on the worker's lane, while
// the old one finishes the handler and exits.

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
					w.Cancel(context.Canceled)
					w.GiveUpBy(now.Add(watch.AbandonGrace))
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
			if w.Due(now) {
				w.Cancel(context.DeadlineExceeded)
			}
			if w.TryGiveUp(now) {
				p.watches[i].CompareAndSwap(w, nil)
				p.workers.Add(1)
				go func() {
					defer p.workers.Done()
					if w.CarryOn() {
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
// must then leave everything to the watch's giveUp and return).
func (p *pool) invokeInline(slot int, w *watch.Watch, msg *Entry) (err error, gone bool) {
	p.watches[slot].Store(w)
	if p.ctx.Err() != nil {
		w.Cancel(context.Canceled)
	}
	err = p.f.host.Invoke(w, msg)
	if !w.HasReturned() {
		return nil, true // the chain's timeout found it given up
	}
	p.watches[slot].CompareAndSwap(w, nil)
	return err, false
}
