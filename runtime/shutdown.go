package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// finalGrace bounds what shutdown does after the hard stop: commit what
// is settled, give back unread deliveries, delete liveness keys, stop the
// retrier.
const finalGrace = time.Second

// shutdown stops fns and the retrier after ctx ended; see Runtime.
func (r *Runtime) shutdown(fns []*function, ret *retrier, hardStop context.CancelFunc) {
	deadline := time.Now().Add(r.cfg.ShutdownTimeout)
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
	final := time.Now().Add(finalGrace)
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
		f.stopRenew()
		waitGroup(&f.renewWG, time.Until(final))
	}
	select {
	case <-retrierDone:
	case <-time.After(max(time.Until(final), 0)):
		r.logger.Warn("retrier did not stop in time")
	}
}
