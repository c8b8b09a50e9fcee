package engine

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/engine/retry"
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

// Shutdown stops fns and the retrier after the runtime's context ended,
// in the order lifecycle.go gives and explains: the drain takes up to
// timeout (ShutdownTimeout), then hardStop cancels the handlers' context.
func Shutdown(fns []*Worker, ret *retry.Retrier, hardStop context.CancelFunc, timeout time.Duration, logger *zap.Logger) {
	began := time.Now()
	deadline := began.Add(timeout)
	for _, f := range fns {
		f.stopReading()
	}
	// Retries in flight drain beside the pools, under the same deadline.
	retrierDone := make(chan struct{})
	go func() { ret.Shutdown(); close(retrierDone) }()
	for _, f := range fns {
		if !f.readersDone(time.Until(deadline)) || !f.pool.wait(time.Until(deadline)) {
			logger.Warn("shutdown timeout: work not done is left pending for redelivery", zap.String("function", f.Name))
		}
	}
	hardStop()
	stopped := time.Now()
	final := stopped.Add(finalGrace)
	for _, f := range fns {
		if !f.pool.waitWorkers(time.Until(final) / 2) {
			logger.Warn("workers still busy after the hard stop", zap.String("function", f.Name))
		}
		f.pool.abandonQueued()
	}
	ctx, cancel := context.WithDeadline(context.Background(), final)
	defer cancel()
	for _, f := range fns {
		f.unread.Return(ctx, f.group, f.logger)
	}
	for _, f := range fns {
		f.com.Shutdown(max(time.Until(final), 50*time.Millisecond))
	}
	for _, f := range fns {
		f.stopClaiming(time.Until(final))
	}
	select {
	case <-retrierDone:
	case <-time.After(max(time.Until(stopped.Add(retrierGrace)), 0)):
		logger.Warn("retrier did not stop in time", zap.Duration("after", time.Since(began)))
	}
}
