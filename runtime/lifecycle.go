package runtime

import (
	"context"
	"sync"
	"time"
)

// Lifecycle. Each function runs these background duties, each on a
// goroutine of its own, each built from its params with start(wg) and
// shutdown() (duty.go):
//
//	reader      reader.go      XREADGROUP, own pending entries first; intake
//	reclaimer   reclaimer.go   takeover of entries idle for ClaimMinIdle
//	janitor     janitor.go     deletes consumers gone for ConsumerGoneAfter
//	renewer     renewer.go     keeps every entry delivered here claimed
//	liveness    liveness.go    the liveness key, also the write probe
//	committer   committer.go   group commit of settled invocations
//	pool        pool.go        the workers and their watchdog (watchdog.go)
//
// and the process runs one retrier (asynq, retrier.go) for all of them.
// The dead-letter gauge (deadlettergauge.go) runs on no goroutine of its
// own: Prometheus calls it at each scrape.
//
// They stop in this order (Runtime.shutdown, shutdown.go), each step for a
// reason:
//
//  1. reader, reclaimer and janitor stop, and keys waiting for a retry in
//     place are left pending at once (pool.stop): nothing new comes in,
//     and a waiting key keeps its order by staying pending;
//  2. the pools and the retrier drain side by side, within
//     ShutdownTimeout: the work already delivered finishes and is
//     committed;
//  3. the hard stop cancels what still runs (a handler that ignores its
//     context is given up) and abandons the lanes still queued: what is
//     not done stays pending, in order, for redelivery;
//  4. within one more second (finalGrace): the deliveries that never ran
//     are given back (unread.go), then each committer flushes and stops,
//     since the give-back and the commits need Redis, and the committer
//     is what the workers hand their outcomes to;
//  5. renewer and liveness stop last, deleting the liveness key: until the
//     commits are written the entries must stay claimed, or a peer would
//     take them over and run them again;
//  6. the retrier is waited for up to 2 s after the hard stop
//     (retrierGrace): with Redis down asynq may take that long.
//
// So Run returns within ShutdownTimeout + 2s of ctx ending, Redis up or
// down, whatever the handlers do.

// duties are a worker's background duties and the wait groups they are
// counted in: reading ones (stopped first) and claiming ones (renewer,
// liveness: stopped last).
type duties struct {
	reader             *reader
	reclaimer, janitor *ticker
	renewer, liveness  *ticker
	reading, claiming  sync.WaitGroup
	committer          sync.WaitGroup
}

// start launches the function's committer, pool and background duties.
// readCtx ends reading; handlerCtx is what invocations run under (it ends
// at the hard stop).
func (f *worker) start(readCtx, handlerCtx context.Context, ret *retrier) {
	f.ret = ret
	f.com.start(&f.duties.committer)
	f.pool = newPool(f, handlerCtx)
	f.com.releaseFn = f.pool.release
	d := &f.duties
	// Renewer and liveness outlive readCtx: they stop at step 5.
	claimCtx := context.WithoutCancel(readCtx)
	d.renewer = newRenewer(claimCtx, renewerParams{
		logger: f.logger, group: f.group, interval: f.cfg.ClaimInterval, streams: f.Streams, inflight: &f.inflight,
	})
	d.liveness = newLiveness(claimCtx, livenessParams{logger: f.logger, group: f.group})
	d.renewer.start(&d.claiming)
	d.liveness.start(&d.claiming)
	var before func(context.Context)
	if f.OrderingKey != "" {
		before = f.takeOver
	}
	d.reader = newReader(readCtx, readerParams{
		logger: f.logger, group: f.group, records: f.records, streams: f.Streams,
		batchSize: f.cfg.BatchSize, readBlock: f.cfg.ReadBlock, inflight: &f.inflight, hard: handlerCtx,
		before: before, intake: f.intake, recoverOwn: f.recoverOwn, ensureGroups: f.ensureGroups, giveBack: f.giveBack,
	})
	d.reclaimer = newReclaimer(readCtx, reclaimerParams{
		logger: f.logger, interval: f.cfg.ClaimInterval, streams: f.Streams, claimIdle: f.claimIdle,
		recoverOwn: func(ctx context.Context, stream string) error { return f.recoverOwn(ctx, handlerCtx, stream) },
	})
	d.janitor = newJanitor(readCtx, janitorParams{
		logger: f.logger, group: f.group, streams: f.Streams, goneAfter: f.cfg.ConsumerGoneAfter,
	})
	d.reader.start(&d.reading)
	d.reclaimer.start(&d.reading)
	d.janitor.start(&d.reading)
}

// stopReading is step 1: the reader and the duties that feed or tidy the
// pool stop; lanes waiting for a retry in place are abandoned (they stay
// pending, in order).
func (f *worker) stopReading() {
	f.duties.reader.shutdown()
	f.duties.reclaimer.shutdown()
	f.duties.janitor.shutdown()
	f.pool.stop()
}

// readersDone waits up to timeout for the duties stopped by stopReading
// to return.
func (f *worker) readersDone(timeout time.Duration) bool {
	return waitGroup(&f.duties.reading, timeout)
}

// stopClaiming is step 5: renewer and liveness stop (the liveness key is
// deleted); it waits for them up to timeout.
func (f *worker) stopClaiming(timeout time.Duration) {
	f.duties.renewer.shutdown()
	f.duties.liveness.shutdown()
	waitGroup(&f.duties.claiming, timeout)
}
