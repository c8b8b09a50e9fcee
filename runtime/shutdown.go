package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// finalGrace bounds what shutdown does after the hard stop: commit what
// is settled, give back unread deliveries, delete liveness keys.
const finalGrace = time.Second

// retrierGrace is how long after the hard stop shutdown waits for the
// retrier (asynq) to stop: with Redis down its components take a second
// or two to give up their last writes. A retry task it was running when
// time ran out is requeued by asynq's recoverer (its lease expires): it
// uses no attempt.
const retrierGrace = 2 * time.Second

// shutdown stops fns and the retrier after ctx ended, in the order
// lifecycle.go gives and explains.
func (r *Runtime) shutdown(fns []*worker, ret *retrier, hardStop context.CancelFunc) {
	began := time.Now()
	deadline := began.Add(r.cfg.ShutdownTimeout)
	for _, f := range fns {
		f.stopReading()
	}
	// Retries in flight drain beside the pools, under the same deadline.
	retrierDone := make(chan struct{})
	go func() { ret.shutdown(); close(retrierDone) }()
	for _, f := range fns {
		if !f.readersDone(time.Until(deadline)) || !f.pool.wait(time.Until(deadline)) {
			r.logger.Warn("shutdown timeout: work not done is left pending for redelivery", zap.String("function", f.Name))
		}
	}
	hardStop()
	stopped := time.Now()
	final := stopped.Add(finalGrace)
	for _, f := range fns {
		if !f.pool.waitWorkers(time.Until(final) / 2) {
			r.logger.Warn("workers still busy after the hard stop", zap.String("function", f.Name))
		}
		f.pool.abandonQueued()
	}
	ctx, cancel := context.WithDeadline(context.Background(), final)
	defer cancel()
	for _, f := range fns {
		f.returnUnread(ctx)
	}
	for _, f := range fns {
		f.com.shutdown(max(time.Until(final), 50*time.Millisecond))
	}
	for _, f := range fns {
		f.stopClaiming(time.Until(final))
	}
	select {
	case <-retrierDone:
	case <-time.After(max(time.Until(stopped.Add(retrierGrace)), 0)):
		r.logger.Warn("retrier did not stop in time", zap.Duration("after", time.Since(began)))
	}
}
