package runtime

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
)

// function is a registered Function with everything that runs it.
type function struct {
	Function
	rt      *Runtime
	chain   Handler
	logger  *zap.Logger
	metrics map[string]*streamMetrics

	com     *committer
	ret     *retrier
	pool    *pool
	records *doneRecords
	// tokens bounds the invocations running at once, stream entries and
	// retry tasks together, to Concurrency.
	tokens chan struct{}

	inflight inflightSet
	unread   unread
	// stopRead ends reading and the background duties; stopRenew ends the
	// renewer and the heartbeat, which keep going while work drains.
	stopRead, stopRenew context.CancelFunc
	readersWG, renewWG  sync.WaitGroup
}

func newFunction(fn Function, rt *Runtime) *function {
	f := &function{
		Function: fn,
		rt:       rt,
		logger:   rt.logger.With(zap.String("function", fn.Name)),
		metrics:  map[string]*streamMetrics{},
		inflight: newInflightSet(),
		tokens:   make(chan struct{}, fn.Concurrency),
	}
	f.chain = limitEmits(Chain(fn.Handler, fn.Middleware...))
	f.records = newDoneRecords(rt.rdb, fn.Name, rt.cfg.IdempotencyTTL)
	f.com = newCommitter(rt.rdb, f.logger, fn.Name, rt.cfg.ConsumerName, f.records)
	f.com.onFenced = func(stream, _ string) { f.streamMetric(stream).fenced.Inc() }
	f.com.onDeadLettered = func(stream string) { f.streamMetric(stream).deadLettered.Inc() }
	for _, s := range fn.Streams {
		f.metrics[s] = rt.metrics.forStream(fn.Name, s)
	}
	return f
}

// streamMetric returns the metrics of one stream of the function.
func (f *function) streamMetric(stream string) *streamMetrics {
	if m, ok := f.metrics[stream]; ok {
		return m
	}
	return f.rt.metrics.forStream(f.Name, stream)
}

// ensureGroups creates the function's consumer group on each stream
// (MKSTREAM), retrying while Redis is unreachable.
func (f *function) ensureGroups(ctx context.Context) error {
	start := "0"
	if f.StartFrom == StartNew {
		start = "$"
	}
	for _, s := range f.Streams {
		b := newBackoff(100*time.Millisecond, 5*time.Second)
		for {
			err := f.rt.rdb.XGroupCreateMkStream(ctx, s, f.Name, start).Err()
			if err == nil || redis.HasErrorPrefix(err, "BUSYGROUP") {
				err = f.register(ctx)
			}
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			f.logger.Warn("create consumer group: retrying", zap.String("stream", s), zap.Error(err))
			if !b.wait(ctx) {
				return ctx.Err()
			}
		}
	}
	return nil
}

// start launches the function's pool, readers and background duties.
// readCtx ends reading; handlerCtx is what invocations run under (it ends
// at the hard stop).
func (f *function) start(readCtx, handlerCtx context.Context, ret *retrier) {
	f.ret = ret
	f.com.start()
	f.pool = newPool(f, handlerCtx)
	f.com.releaseFn = f.pool.release
	ctx, cancel := context.WithCancel(readCtx)
	f.stopRead = cancel
	renewCtx, stopRenew := context.WithCancel(context.WithoutCancel(readCtx))
	f.stopRenew = stopRenew
	rn, hb := newRenewer(f), newHeartbeat(f)
	f.renewWG.Add(2)
	go func() { defer f.renewWG.Done(); rn.run(renewCtx) }()
	go func() { defer f.renewWG.Done(); hb.run(renewCtx) }()
	r, rc, j := newReader(f), newReclaimer(f), newJanitor(f)
	f.readersWG.Add(3)
	go func() {
		defer f.readersWG.Done()
		if f.OrderingKey != "" {
			f.takeOver(ctx)
		}
		r.run(ctx, handlerCtx)
	}()
	go func() { defer f.readersWG.Done(); rc.run(ctx, handlerCtx) }()
	go func() { defer f.readersWG.Done(); j.run(ctx) }()
}

// stopReading stops the reader and the background duties; lanes waiting
// for a retry in place are abandoned (they stay pending, in order).
func (f *function) stopReading() {
	f.stopRead()
	f.pool.stop()
}

// readersDone waits up to timeout for the reader and the background
// duties to return.
func (f *function) readersDone(timeout time.Duration) bool {
	return waitGroup(&f.readersWG, timeout)
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
