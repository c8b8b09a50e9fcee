package engine

import (
	"github.com/ordershop/functions/runtime/internal/engine/watch"
)

// A handler runs inline on its worker's goroutine, under a watch
// (engine/watch): the pool's watchdog (watch.Dog) cancels its context at
// its deadline and, if it has not returned watch.AbandonGrace later,
// gives it up: the attempt fails and a new goroutine carries on the
// worker's lane, while the old one finishes the handler and exits.

// gaveUp carries on worker slot's work on a new goroutine after the
// watchdog gave up its invocation w.
func (p *pool) gaveUp(slot int, w *watch.Watch) {
	p.workers.Add(1)
	go func() {
		defer p.workers.Done()
		if w.CarryOn() {
			p.serve(slot)
		}
	}()
}

// invokeInline runs msg's handler on this goroutine as worker slot's
// invocation w; gone is true when it was given up meanwhile (the caller
// must then leave everything to the watch's giveUp and return).
func (p *pool) invokeInline(slot int, w *watch.Watch, msg *Entry) (err error, gone bool) {
	p.dog.Watch(slot, w)
	err = p.f.host.Invoke(w, msg)
	if !w.HasReturned() {
		return nil, true // the chain's timeout found it given up
	}
	p.dog.Unwatch(slot, w)
	return err, false
}
