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

	inflight  inflightSet
	stopping  context.Context // ends when the runtime stops reading
	stopRead  context.CancelFunc
	readersWG sync.WaitGroup
}

func newFunction(fn Function, rt *Runtime) *function {
	f := &function{
		Function: fn,
		rt:       rt,
		logger:   rt.logger.With(zap.String("function", fn.Name)),
		metrics:  map[string]*streamMetrics{},
		inflight: inflightSet{m: map[entryKey]struct{}{}},
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
// readCtx ends reading; handlerCtx is what invocations run under.
func (f *function) start(readCtx, handlerCtx context.Context, ret *retrier) {
	f.ret = ret
	f.com.start()
	f.pool = newPool(f, handlerCtx)
	f.com.releaseFn = f.pool.release
	ctx, cancel := context.WithCancel(readCtx)
	f.stopRead = cancel
	f.stopping = ctx
	r := newReader(f)
	rc := newReclaimer(f)
	j := newJanitor(f)
	hb := newHeartbeat(f)
	f.readersWG.Add(4)
	go func() { defer f.readersWG.Done(); hb.run(ctx) }()
	go func() {
		defer f.readersWG.Done()
		if f.OrderingKey != "" {
			f.takeOver(ctx)
		}
		r.run(ctx)
	}()
	go func() { defer f.readersWG.Done(); rc.run(ctx) }()
	go func() { defer f.readersWG.Done(); j.run(ctx) }()
}

// stopReading stops the reader and the background duties, waits for them,
// and closes the pool's intake.
func (f *function) stopReading() {
	f.stopRead()
	f.readersWG.Wait()
	f.pool.close()
}

// inflightSet tracks the entries this instance is working on, so that the
// reclaimer does not hand the same entry to a second worker.
type inflightSet struct {
	mu sync.Mutex
	m  map[entryKey]struct{}
}

// entryKey names one stream entry.
type entryKey struct{ stream, id string }

// add marks stream/id in flight; false if it already was.
func (s *inflightSet) add(stream, id string) bool {
	k := entryKey{stream, id}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; ok {
		return false
	}
	s.m[k] = struct{}{}
	return true
}

func (s *inflightSet) remove(stream, id string) {
	s.mu.Lock()
	delete(s.m, entryKey{stream, id})
	s.mu.Unlock()
}

// snapshot lists the in-flight entries of stream.
func (s *inflightSet) snapshot(stream string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for k := range s.m {
		if k.stream == stream {
			ids = append(ids, k.id)
		}
	}
	return ids
}
