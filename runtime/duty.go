package runtime

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// A background duty is the lifecycle every goroutine of the runtime's
// own shares (asynq's shape): it is built from a params struct with what
// it needs (logger, Redis, intervals; never the runtime itself),
// start(wg) runs it on a goroutine of its own, counted in wg, and
// shutdown() asks it to stop and returns at once; its owner waits for wg,
// bounded (see lifecycle.go for the order).

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

// ticker is the one loop of the ticking duties (reclaimer, renewer,
// janitor, liveness).
type ticker struct {
	p      tickerParams
	ctx    context.Context
	cancel context.CancelFunc
}

// newTicker returns a ticker whose rounds run under a context derived from
// base (ended by shutdown).
func newTicker(base context.Context, p tickerParams) *ticker {
	ctx, cancel := context.WithCancel(base)
	return &ticker{p: p, ctx: ctx, cancel: cancel}
}

func (t *ticker) start(wg *sync.WaitGroup) { spawn(wg, t.run) }

func (t *ticker) shutdown() { t.cancel() }

func (t *ticker) run() {
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

// waitGroup waits for wg up to timeout; false if time ran out.
func waitGroup(wg *sync.WaitGroup, timeout time.Duration) bool {
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
