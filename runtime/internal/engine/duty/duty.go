// Package duty holds the background duties of a function at work: the
// reader, the claims (recovery of own pending entries, takeover of idle
// ones), the ticking duties (renewer, liveness, reclaimer, janitor) and
// the record of deliveries to give back.
package duty

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// A background duty is the lifecycle every goroutine of the runtime's
// own shares (asynq's shape): it is built from a params struct with what
// it needs (logger, Redis, intervals; never the runtime itself),
// Start(wg) runs it on a goroutine of its own, counted in wg, and
// Shutdown() asks it to stop and returns at once; its owner waits for wg,
// bounded (see engine/lifecycle.go for the order).

// tickerParams configure a duty that works on a ticker.
type tickerParams struct {
	logger   *zap.Logger
	interval time.Duration
	// first runs a round at start, before the first tick.
	first bool
	// exec is one round; failed (Warn, with the error) and recovered
	// (Info) are logged once per outage.
	exec              func(ctx context.Context) error
	failed, recovered string
	// stopped, when set, runs once the loop has ended.
	stopped func()
}

// Ticker is the one loop of the ticking duties (reclaimer, renewer,
// janitor, liveness).
type Ticker struct {
	p      tickerParams
	ctx    context.Context
	cancel context.CancelFunc
}

// newTicker returns a ticker whose rounds run under a context derived from
// base (ended by shutdown).
func newTicker(base context.Context, p tickerParams) *Ticker {
	ctx, cancel := context.WithCancel(base)
	return &Ticker{p: p, ctx: ctx, cancel: cancel}
}

// Start runs the duty on a goroutine of its own, counted in wg.
func (t *Ticker) Start(wg *sync.WaitGroup) { spawn(wg, t.run) }

// Shutdown asks the duty to stop and returns at once.
func (t *Ticker) Shutdown() { t.cancel() }

func (t *Ticker) run() {
	tick := time.NewTicker(t.p.interval)
	defer tick.Stop()
	if t.p.stopped != nil {
		defer t.p.stopped()
	}
	failing := false
	for round := 0; ; round++ {
		if round > 0 || !t.p.first {
			select {
			case <-t.ctx.Done():
				return
			case <-tick.C:
			}
		}
		err := t.p.exec(t.ctx)
		switch {
		case err != nil && t.ctx.Err() == nil && !failing:
			t.p.logger.Warn(t.p.failed, zap.Error(err))
			failing = true
		case err == nil && failing:
			t.p.logger.Info(t.p.recovered)
			failing = false
		}
		if t.ctx.Err() != nil {
			return
		}
	}
}

// spawn runs run on a goroutine of its own, counted in wg: how every
// duty's start begins.
func spawn(wg *sync.WaitGroup, run func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		run()
	}()
}

// eachStream makes one round of exec over every stream; the round fails
// with the last stream's error.
func eachStream(streams []string, exec func(ctx context.Context, stream string) error) func(context.Context) error {
	return func(ctx context.Context) error {
		var err error
		for _, s := range streams {
			if e := exec(ctx, s); e != nil {
				err = e
			}
		}
		return err
	}
}

// WaitGroup waits for wg up to timeout; false if time ran out.
func WaitGroup(wg *sync.WaitGroup, timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(max(timeout, 0))
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
