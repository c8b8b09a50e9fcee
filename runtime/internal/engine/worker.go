package engine

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/engine/commit"
	"github.com/ordershop/functions/runtime/internal/engine/duty"
	"github.com/ordershop/functions/runtime/internal/engine/retry"
	"github.com/ordershop/functions/runtime/internal/engine/tenure"
	"github.com/ordershop/functions/runtime/internal/inflight"
	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/partition"
)

// Worker is a registered function at work in this process: its pool,
// committer, idempotency records and background duties; its handler
// chain is the Host's. Its methods are grouped by file: worker.go
// (construction, groups), lifecycle.go (start and stop), intake.go
// (entries into work), runner.go and settle.go (one attempt and its
// outcome) and retryrun.go (retry tasks); the claims, the reader and the
// ticking duties are in engine/duty.
type Worker struct {
	Spec
	cfg    Config
	host   Host
	rdb    *rdb.RDB
	group  *rdb.Consumer // this instance in the function's consumer group
	logger *zap.Logger

	com     *commit.Committer[Entry]
	ret     *retry.Retrier
	pool    *pool
	records *rdb.Records
	// barrier, with COMMIT_REPLICAS, holds a successful invocation until
	// what its handler wrote itself is on the replicas (replicated).
	barrier *rdb.Barrier
	// tokens bounds the invocations running at once, stream entries and
	// retry tasks together, to Concurrency.
	tokens chan struct{}

	// families are the partitioned families of a Partitioned function,
	// opened by OpenFamilies; Streams then lists all their partitions.
	families []partition.Family

	// tenure is a leased function's ownership of its partitions and the
	// streams it reads (engine/tenure, tenure.go).
	tenure *tenure.Tenure

	inflight inflight.Set
	unread   duty.Unread
	claims   *duty.Claims
	duties   duties
}

// NewWorker returns the worker of the function spec, run through host.
func NewWorker(spec Spec, cfg Config, host Host, r *rdb.RDB, logger *zap.Logger) *Worker {
	f := &Worker{
		Spec:     spec,
		cfg:      cfg,
		host:     host,
		rdb:      r,
		group:    r.Consumer(spec.Name, cfg.ConsumerName),
		logger:   logger.With(zap.String("function", spec.Name)),
		inflight: inflight.NewSet(),
		tokens:   make(chan struct{}, spec.Concurrency),
	}
	f.records = r.NewRecords(spec.Name, cfg.IdempotencyTTL)
	f.records.Replication = cfg.Replication
	f.barrier = r.NewBarrier(spec.Name, cfg.Replication)
	f.com = commit.New(commit.Params[Entry]{
		Logger: f.logger, Consumer: cfg.ConsumerName, Records: f.records,
		Guard: host.DeadLetterGuard, MaxWriteValues: cfg.MaxWriteValues,
		OnFenced:       func(stream, _ string) { host.Metrics(stream).Fenced.Inc() },
		OnUnreplicated: func(stream string) { host.Metrics(stream).Unreplicated.Inc() },
		OnDeadLettered: func(stream string) { host.Metrics(stream).DeadLettered.Inc() },
		DeadLetter: func(e *Entry, cause error) rdb.Write {
			return host.DeadLetter(e, host.Permanent(cause))
		},
	})
	f.claims = &duty.Claims{
		Logger: f.logger, Group: f.group, Inflight: &f.inflight, Streams: spec.Streams,
		BatchSize: cfg.BatchSize, ClaimMinIdle: cfg.ClaimMinIdle, ClaimInterval: cfg.ClaimInterval,
		Intake: f.intake,
	}
	return f
}

// metrics returns the metrics of one stream of the function.
func (f *Worker) metrics(stream string) *StreamMetrics { return f.host.Metrics(stream) }

// giveBack notes that stream/id was delivered here and never started.
func (f *Worker) giveBack(stream, id string) { f.unread.GiveBack(stream, id) }

// EnsureGroups creates the function's consumer group on each stream
// (MKSTREAM), registers the function and looks for idempotency records
// of earlier versions (rdb.Records.DetectLegacy), retrying while Redis is
// unreachable.
func (f *Worker) EnsureGroups(ctx context.Context) error {
	start := "0"
	if f.StartNew {
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
	if err := f.records.DetectLegacy(ctx); err != nil {
		// Not fatal: only a function upgraded within IDEMPOTENCY_TTL has
		// such records; say so, since a redelivery may then run again.
		f.logger.Warn("idempotency records of an earlier version not looked for", zap.Error(err))
	}
	return nil
}

// register writes the function's registry entry.
func (f *Worker) register(ctx context.Context) error {
	b, err := f.host.Registration(f.Streams, f.families)
	if err != nil {
		return err
	}
	return f.rdb.Register(ctx, f.cfg.RegistryKey, f.Name, b)
}

// replicated, with COMMIT_REPLICAS, waits until every master's replicas
// have what was written before now: a successful invocation's own writes
// (a read model, a reservation) are then safe before its entry is acked.
// When they are not in time, the invocation fails (and is retried): were
// its master to fail now, its writes would be lost with the entry acked.
func (f *Worker) replicated(ctx context.Context) error {
	if f.barrier == nil {
		return nil
	}
	if err := f.barrier.Wait(ctx); err != nil {
		return fmt.Errorf("the handler's writes are not on the replicas COMMIT_REPLICAS asks for: %w", err)
	}
	return nil
}

// Retry is what the retrier knows of the function.
func (f *Worker) Retry() retry.Function {
	return retry.Function{
		Name: f.Name, Concurrency: f.Concurrency, BackoffBase: f.BackoffBase, BackoffMax: f.BackoffMax,
		Handle: f.handleRetry, Dropped: func(stream string) { f.metrics(stream).Skipped.Inc() },
	}
}
