package engine

import (
	"context"
	"sync"
	"time"

	"github.com/ordershop/functions/runtime/internal/engine/duty"
	"github.com/ordershop/functions/runtime/internal/engine/retry"
)

// Lifecycle. Each function runs these background duties, each on a
// goroutine of its own, each built from its params with Start(wg) and
// Shutdown() (engine/duty/duty.go):
//
//	reader      duty/reader.go      XREADGROUP, own pending entries first; intake
//	reclaimer   duty/reclaimer.go   takeover of entries idle for ClaimMinIdle
//	janitor     duty/janitor.go     deletes consumers gone for ConsumerGoneAfter
//	renewer     duty/renewer.go     keeps every entry delivered here claimed
//	liveness    duty/liveness.go    the liveness key, also the write probe
//	committer   commit/committer.go group commit of settled invocations
//	pool        pool.go             the workers and their watchdog (watch/dog.go)
//
// and the process runs one retrier (asynq, retry/retrier.go) for all of
// them. The dead-letter gauge (runtime/internal/health) runs on no
// goroutine of its own: Prometheus calls it at each scrape.
//
// They stop in this order (Shutdown, shutdown.go), each step for a
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
//     are given back (duty/unread.go), then each committer flushes and
//     stops, since the give-back and the commits need Redis, and the
//     committer is what the workers hand their outcomes to;
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
	reader             *duty.Reader
	reclaimer, janitor *duty.Ticker
	renewer, liveness  *duty.Ticker
	reading, claiming  sync.WaitGroup
	committer          sync.WaitGroup
}

// Start launches the function's committer, pool and background duties.
// readCtx ends reading; handlerCtx is what invocations run under (it ends
// at the hard stop).
func (f *Worker) Start(readCtx, handlerCtx context.Context, ret *retry.Retrier) {
	f.ret = ret
	f.com.Start(&f.duties.committer)
	f.pool = newPool(f, handlerCtx)
	f.com.SetRelease(f.pool.release)
	d := &f.duties
	// Renewer and liveness outlive readCtx: they stop at step 5.
	claimCtx := context.WithoutCancel(readCtx)
	d.renewer = duty.NewRenewer(claimCtx, duty.RenewerParams{
		Logger: f.logger, Group: f.group, Interval: f.cfg.ClaimInterval, Streams: f.Streams, Inflight: &f.inflight,
	})
	d.liveness = duty.NewLiveness(claimCtx, duty.LivenessParams{Logger: f.logger, Group: f.group})
	d.renewer.Start(&d.claiming)
	d.liveness.Start(&d.claiming)
	rp := duty.ReaderParams{
		Logger: f.logger, Group: f.group, Records: f.records, Streams: f.Streams,
		BatchSize: f.cfg.BatchSize, ReadBlock: f.cfg.ReadBlock, Inflight: &f.inflight, Hard: handlerCtx,
		Intake: f.intake, EventRefs: eventRefs, RecoverOwn: f.claims.RecoverOwn,
		EnsureGroups: f.EnsureGroups, GiveBack: f.giveBack,
	}
	// token is the partition token entries of stream are recovered under
	// ("" for a function that is not leased).
	token := func(string) string { return "" }
	claimIdle := f.claims.ClaimIdle
	switch {
	case f.leased():
		// Leases replace takeover by idle time between instances: a
		// partition's entries are claimed by its next owner (engine/tenure).
		// The reclaimer only looks at the partitions read here, for
		// entries left pending and untracked (a Redis restarted from an
		// older AOF, say): as on a plain stream, after ClaimMinIdle.
		f.startTenure(readCtx, claimCtx, handlerCtx)
		rp.Streams, rp.ReadSet, rp.Refused = nil, f.tenure.Reads(), f.tenure.Refused
		token = f.tenure.Reads().Token
		claimIdle = func(ctx context.Context, stream string) (int, error) {
			if token(stream) == "" {
				return 0, nil
			}
			return f.claims.ClaimIdle(ctx, stream)
		}
	case f.OrderingKey != "":
		rp.Before = f.claims.TakeOver
	}
	d.reader = duty.NewReader(readCtx, rp)
	d.reclaimer = duty.NewReclaimer(readCtx, duty.ReclaimerParams{
		Logger: f.logger, Interval: f.cfg.ClaimInterval, Streams: f.Streams, ClaimIdle: claimIdle,
		RecoverOwn: func(ctx context.Context, stream string) error {
			return f.claims.RecoverOwn(ctx, handlerCtx, stream, token(stream))
		},
	})
	d.janitor = duty.NewJanitor(readCtx, duty.JanitorParams{
		Logger: f.logger, Group: f.group, Streams: f.Streams, GoneAfter: f.cfg.ConsumerGoneAfter,
	})
	d.reader.Start(&d.reading)
	d.reclaimer.Start(&d.reading)
	d.janitor.Start(&d.reading)
}

// stopReading is step 1: the reader and the duties that feed or tidy the
// pool stop; lanes waiting for a retry in place are abandoned (they stay
// pending, in order).
func (f *Worker) stopReading() {
	f.duties.reader.Shutdown()
	f.duties.reclaimer.Shutdown()
	f.duties.janitor.Shutdown()
	if f.tenure != nil {
		f.tenure.StopAcquiring()
	}
	f.pool.stop()
}

// readersDone waits up to timeout for the duties stopped by stopReading
// to return.
func (f *Worker) readersDone(timeout time.Duration) bool {
	return duty.WaitGroup(&f.duties.reading, timeout)
}

// stopClaiming is step 5: renewer and liveness stop (the liveness key is
// deleted); it waits for them up to timeout.
func (f *Worker) stopClaiming(timeout time.Duration) {
	f.duties.renewer.Shutdown()
	f.duties.liveness.Shutdown()
	if f.tenure != nil {
		f.tenure.Shutdown() // releases its leases: the commits are written
	}
	duty.WaitGroup(&f.duties.claiming, timeout)
}
