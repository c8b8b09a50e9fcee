package engine

import (
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/engine/watch"
)

// outKind says what became of one run of a stream entry.
type outKind int

const (
	outSettle    outKind = iota // item settles the entry: commit it
	outCommitted                // settled and committed already (a recovered entry's run)
	outWait                     // retry in place after delay (ordered functions)
	outSkip                     // left pending for now (not ours any more, or Redis failed)
	outStop                     // the hard stop: leave it and what follows pending
	outGone                     // given up: the caller's work goes on elsewhere
)

// outcome is the result of pool.run.
type outcome struct {
	kind  outKind
	item  *commitItem
	delay time.Duration
	next  *Entry // the message to retry (outWait)
}

// infraDelay is how long a lane waits after Redis failed to count an
// attempt (no attempt is used).
const infraDelay = 500 * time.Millisecond

// run runs one attempt of msg (in flight, holding a slot or parked) on
// worker slot and says what became of it. flush hands the caller's
// pending commits to the committer before run blocks on the gate. If the
// handler is given up (see watchdog), run returns outGone at once when it
// finally returns, and resume is called instead, on a new goroutine, with
// the attempt's outcome: it carries on the caller's work and returns false
// if it was given up in turn.
//
// An attempt is counted in Redis before it runs (the entry's delivery
// count, bumped with RETRYCOUNT unless the read that delivered it counted
// it already), so that a process that crashes in a handler uses up the
// entry's attempts like any failure: past MaxAttempts it is dead-lettered
// without running (see intake). Counting fails only when Redis does: then
// no attempt is used.
func (p *pool) run(msg *Entry, flush func(), slot int, resume func(outcome) bool) outcome {
	f := p.f
	if p.ctx.Err() != nil {
		return outcome{kind: outStop}
	}
	if !f.inflight.Has(msg.Stream, msg.ID) {
		return outcome{kind: outSkip} // taken over meanwhile (see renewer)
	}
	if err := f.host.Decode(msg); err != nil {
		return outcome{kind: outSettle, item: f.malformed(msg, err)}
	}
	alone := msg.run.recovered
	switch {
	case alone:
		flush()
		p.gate.Lock()
	case !p.gate.TryRLock():
		flush()
		p.gate.RLock()
	}
	select {
	case f.tokens <- struct{}{}:
	case <-p.ctx.Done():
		p.unlock(alone)
		return outcome{kind: outStop}
	}
	if out, ok := p.count(msg); !ok {
		<-f.tokens
		p.unlock(alone)
		return out
	}
	msg.run.started = true
	var w *watch.Watch
	w = watch.New(p.ctx, f.Timeout, func() bool {
		err := w.Failure(f.Timeout)
		f.host.ObserveGivenUp(msg, w.Started, err)
		return resume(p.after(msg, err, true, alone))
	})
	f.inflight.Running(msg.Stream, msg.ID, w.Expires())
	err, gone := p.invokeInline(slot, w, msg)
	if gone {
		return outcome{kind: outGone}
	}
	if err == nil {
		err = f.replicated(p.ctx)
	}
	return p.after(msg, err, false, alone)
}

// unlock releases the gate as run took it.
func (p *pool) unlock(alone bool) {
	if alone {
		p.gate.Unlock()
	} else {
		p.gate.RUnlock()
	}
}

// after settles a finished (or given up) attempt of msg: the token and
// the gate are released as the outcome requires, and a recovered entry's
// outcome is committed before anything else runs.
func (p *pool) after(msg *Entry, err error, abandoned, alone bool) outcome {
	f := p.f
	f.inflight.Running(msg.Stream, msg.ID, time.Time{})
	<-f.tokens
	out := f.outcome(p.ctx, msg, err, abandoned)
	if !alone {
		if out.kind == outWait {
			p.gate.RUnlock()
		} else {
			msg.run.gated = true // released with the entry
		}
		return out
	}
	msg.run.recovered = false
	if out.kind == outWait {
		out.next.run.recovered = false
	}
	if out.kind == outSettle {
		written := make(chan struct{})
		out.item.Release = msg
		out.item.Done = func(error) { close(written) }
		f.com.Submit([]*commitItem{out.item})
		select {
		case <-written:
		case <-p.ctx.Done():
		}
		out = outcome{kind: outCommitted}
	}
	p.gate.Unlock()
	return out
}

// count bumps msg's delivery count to its attempt when the delivery did
// not count it; ok false with the outcome when it could not.
func (p *pool) count(msg *Entry) (outcome, bool) {
	if msg.Attempt <= msg.run.counted {
		return outcome{}, true
	}
	f := p.f
	lost, _, err := f.group.Renew(p.ctx, msg.Stream, []string{msg.ID}, strconv.Itoa(msg.Attempt))
	switch {
	case err != nil:
		f.logger.Warn("count attempt: Redis failed, no attempt used", zap.String("stream", msg.Stream), zap.String("entry_id", msg.ID), zap.Error(err))
		if p.ctx.Err() != nil {
			return outcome{kind: outStop}, false
		}
		if f.OrderingKey != "" {
			return outcome{kind: outWait, delay: infraDelay, next: msg}, false
		}
		return outcome{kind: outSkip}, false
	case len(lost) > 0:
		f.inflight.Remove(msg.Stream, msg.ID)
		return outcome{kind: outSkip}, false
	}
	msg.run.counted = msg.Attempt
	return outcome{}, true
}
