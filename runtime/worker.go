package runtime

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/inflight"
	"github.com/ordershop/functions/runtime/internal/rdb"
)

// worker is a registered Function at work in this process: its handler
// chain, pool, committer, idempotency records and background duties. Its
// methods are grouped by file: worker.go (construction, groups),
// lifecycle.go (start and stop), intake.go (entries into work), runner.go
// and settle.go (one attempt and its outcome), claims.go (entries
// delivered before), takeover.go, unread.go, retryrun.go (retry tasks) and
// registry.go.
type worker struct {
	Function
	cfg     Config
	rdb     *rdb.RDB
	group   *rdb.Consumer // this instance in the function's consumer group
	chain   Handler
	logger  *zap.Logger
	metrics *Metrics
	// byStream holds the metrics of each of the function's streams.
	byStream map[string]*streamMetrics

	com     *committer
	ret     *retrier
	pool    *pool
	records *rdb.Records
	// tokens bounds the invocations running at once, stream entries and
	// retry tasks together, to Concurrency.
	tokens chan struct{}

	inflight inflight.Set
	unread   unread
	duties   duties
}

func newWorker(fn Function, cfg Config, r *rdb.RDB, logger *zap.Logger, metrics *Metrics) *worker {
	f := &worker{
		Function: fn,
		cfg:      cfg,
		rdb:      r,
		group:    r.Consumer(fn.Name, cfg.ConsumerName),
		logger:   logger.With(zap.String("function", fn.Name)),
		metrics:  metrics,
		byStream: map[string]*streamMetrics{},
		inflight: inflight.NewSet(),
		tokens:   make(chan struct{}, fn.Concurrency),
	}
	f.chain = buildChain(fn, f.streamMetric, f.logFailure)
	f.records = r.NewRecords(fn.Name, cfg.IdempotencyTTL)
	f.com = newCommitter(committerParams{
		logger: f.logger, consumer: cfg.ConsumerName, records: f.records,
		onFenced:       func(stream, _ string) { f.streamMetric(stream).fenced.Inc() },
		onDeadLettered: func(stream string) { f.streamMetric(stream).deadLettered.Inc() },
	})
	for _, s := range fn.Streams {
		f.byStream[s] = metrics.forStream(fn.Name, s)
	}
	return f
}

// streamMetric returns the metrics of one stream of the function.
func (f *worker) streamMetric(stream string) *streamMetrics {
	if m, ok := f.byStream[stream]; ok {
		return m
	}
	return f.metrics.forStream(f.Name, stream)
}

// ensureGroups creates the function's consumer group on each stream
// (MKSTREAM) and registers the function, retrying while Redis is
// unreachable.
func (f *worker) ensureGroups(ctx context.Context) error {
	start := "0"
	if f.StartFrom == StartNew {
		start = "$"
	}
	for _, s := range f.Streams {
		b := backoff.New(100*time.Millisecond, 5*time.Second)
		for {
			err := f.group.CreateGroup(ctx, s, start)
			if err == nil {
				err = f.register(ctx)
			}
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			f.logger.Warn("create consumer group: retrying", zap.String("stream", s), zap.Error(err))
			if !b.Wait(ctx) {
				return ctx.Err()
			}
		}
	}
	return nil
}
