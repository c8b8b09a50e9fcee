package engine

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/internal/engine/tenure"
)

// The glue of a Partitioned function: its families, and for a leased one
// the ownership of its partitions (engine/tenure).

// leased reports whether the function's partitions are owned by leases.
func (f *Worker) leased() bool { return f.Partitioned && f.OrderingKey != "" }

// OpenFamilies resolves a Partitioned function's families (tenure.Open,
// with Config.Partitions partitions for a new one): the function's
// Streams become every partition of every family. It does nothing for a
// function that is not Partitioned or was resolved already.
func (f *Worker) OpenFamilies(ctx context.Context) error {
	if !f.Partitioned || f.families != nil {
		return nil
	}
	families, streams, err := tenure.Open(ctx, f.rdb.Client(), f.logger, f.Streams, f.cfg.Partitions)
	if err != nil {
		return err
	}
	f.families, f.Streams, f.claims.Streams = families, streams, streams
	f.host.ReadStreams(streams)
	return nil
}

// startTenure builds and starts the partition ownership of a leased
// function (see engine/tenure for what it means).
func (f *Worker) startTenure(readCtx, claimCtx, handlerCtx context.Context) {
	f.tenure = tenure.New(readCtx, claimCtx, handlerCtx, tenure.Params{
		Logger: f.logger, Function: f.Name, Leases: f.rdb.Leases(f.Name, f.cfg.ConsumerName),
		Families: f.families, TTL: f.cfg.PartitionLease, BatchSize: f.cfg.BatchSize,
		ShutdownTimeout: f.cfg.ShutdownTimeout,
		InflightIn:      f.inflight.CountIn, ClaimAll: f.group.ClaimAll, RecoverOwn: f.claims.RecoverOwn,
		AbandonParked: f.pool.abandonParked,
		Changed:       f.host.PartitionsHeld, Event: f.host.PartitionEvent,
	})
	f.tenure.Start(&f.duties.claiming)
}

// unowned drops entries of a partition this instance no longer holds:
// they stay pending, and the partition's next owner claims them.
func (f *Worker) unowned(stream string, entries []redis.XMessage) {
	for _, e := range entries {
		f.inflight.Remove(stream, e.ID)
	}
}
