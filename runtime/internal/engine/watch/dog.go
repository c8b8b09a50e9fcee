package watch

import (
	"context"
	"sync/atomic"
	"time"
)

// Dog is the watchdog of one pool's workers: it cancels the context of
// each worker's running invocation at its deadline and, if the handler
// has not returned AbandonGrace later, gives the invocation up. At the
// hard stop it cancels every invocation and gives up, AbandonGrace later,
// those still running.
type Dog struct {
	ctx     context.Context // the handlers' context: ends at the hard stop
	tick    time.Duration
	watches []atomic.Pointer[Watch] // each worker's running invocation
}

// NewDog returns the watchdog of slots workers whose invocations run
// under ctx, each for timeout.
func NewDog(ctx context.Context, slots int, timeout time.Duration) *Dog {
	return &Dog{
		ctx:     ctx,
		tick:    min(max(timeout/20, 5*time.Millisecond), 250*time.Millisecond),
		watches: make([]atomic.Pointer[Watch], slots),
	}
}

// Watch makes w the running invocation of worker slot (cancelled at once
// after the hard stop).
func (d *Dog) Watch(slot int, w *Watch) {
	d.watches[slot].Store(w)
	if d.ctx.Err() != nil {
		w.Cancel(context.Canceled)
	}
}

// Unwatch ends the watch of w, returned, on worker slot.
func (d *Dog) Unwatch(slot int, w *Watch) { d.watches[slot].CompareAndSwap(w, nil) }

// Run watches until the hard stop has passed and no invocation is left.
// gaveUp is called, on Run's goroutine, with each invocation given up and
// its worker slot: it must carry on the worker's work elsewhere.
func (d *Dog) Run(gaveUp func(slot int, w *Watch)) {
	t := time.NewTicker(d.tick)
	defer t.Stop()
	stopped := false
	for {
		if stopped {
			<-t.C
		} else {
			select {
			case <-d.ctx.Done():
			case <-t.C:
			}
		}
		now := time.Now()
		if d.ctx.Err() != nil && !stopped {
			stopped = true
			for i := range d.watches {
				if w := d.watches[i].Load(); w != nil {
					w.Cancel(context.Canceled)
					w.GiveUpBy(now.Add(AbandonGrace))
				}
			}
		}
		busy := false
		for i := range d.watches {
			w := d.watches[i].Load()
			if w == nil {
				continue
			}
			busy = true
			if w.Due(now) {
				w.Cancel(context.DeadlineExceeded)
			}
			if w.TryGiveUp(now) {
				d.watches[i].CompareAndSwap(w, nil)
				gaveUp(i, w)
			}
		}
		if stopped && !busy {
			return
		}
	}
}
