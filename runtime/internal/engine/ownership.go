package engine

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/engine/duty"
	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/partition"
)

// Ownership of partitions. A Partitioned function with an OrderingKey is
// leased: each of its partitions is read by one instance at a time, the
// holder of the partition's lease (duty/owner.go decides which ones this
// instance holds). What holding one means here:
//
//   - acquired: first wait until nothing read under an earlier tenure of
//     this instance is still in flight here; then claim every entry of
//     the partition pending in the group, whoever holds it (the previous
//     owner's, crashed, paused or gone), and run them in stream order
//     (recovery); only then read new entries of it;
//   - every entry carries the token it was read under, and its commit
//     writes only while that token still holds the lease (commit.lua):
//     a former owner writes nothing;
//   - a partition is read only while its lease was renewed within two
//     thirds of its life (duty.Owner.Readable), and a read blocks for at
//     most a quarter of it, so no read of a former owner can take new
//     entries after the lease expired;
//   - handed over (rebalance): stop reading it, wait for the read in
//     progress, leave its waiting retries pending, wait until what was
//     read has settled and committed, then release the lease;
//   - lost: stop reading it at once; what is in flight is fenced;
//   - at shutdown every lease is released after the final commits
//     (lifecycle.go), so peers take over without waiting for expiry.

// leased reports whether the function's partitions are owned by leases.
func (f *Worker) leased() bool { return f.Partitioned && f.OrderingKey != "" }

// partitionCount is the number of partitions the leases cover: the
// largest family's count.
func (f *Worker) partitionCount() int {
	n := 0
	for _, fam := range f.families {
		n = max(n, fam.Count)
	}
	return n
}

// startOwnership builds the owner and the read set of a leased function.
func (f *Worker) startOwnership(readCtx, claimCtx, handlerCtx context.Context) {
	f.reads = duty.NewReadSet()
	f.owner = duty.NewOwner(claimCtx, duty.OwnerParams{
		Logger: f.logger, Leases: f.rdb.Leases(f.Name, f.cfg.ConsumerName),
		Partitions: f.partitionCount(), TTL: f.cfg.PartitionLease,
		Acquired: func(p int, token string) { go f.recoverPartition(readCtx, handlerCtx, p, token) },
		Drain:    f.drainPartition,
		Lost:     f.dropPartition,
		Changed:  f.host.PartitionsHeld,
		Event:    f.host.PartitionEvent,
	})
	f.owner.Start(&f.duties.claiming)
}

// recoverPartition starts the work on partition p, acquired under token:
// the previous tenures' pending entries first, in stream order, then new
// ones.
func (f *Worker) recoverPartition(ctx, hard context.Context, p int, token string) {
	streams := f.partitionStreams(p)
	// Work read under an earlier tenure of this instance settles first
	// (it is fenced); its entries are then recovered with the rest.
	for f.inflight.CountIn(streams) > 0 {
		if !backoff.Sleep(ctx, 10*time.Millisecond) {
			return
		}
	}
	b := backoff.New(50*time.Millisecond, 2*time.Second)
	claimed := 0
	for _, s := range streams {
		for {
			if f.owner.Token(p) != token || ctx.Err() != nil {
				return
			}
			n, err := f.group.ClaimAll(ctx, s, f.cfg.BatchSize)
			if err == nil {
				err = f.claims.RecoverOwn(ctx, hard, s, token)
			}
			if err == nil {
				claimed += n
				break
			}
			f.logger.Warn("recover partition: retrying", zap.Int("partition", p), zap.String("stream", s), zap.Error(err))
			if !b.Wait(ctx) {
				return
			}
		}
	}
	if claimed > 0 {
		f.host.PartitionEvent("taken_over", p)
		f.logger.Info("partition taken over: its pending entries run first, in order",
			zap.Int("partition", p), zap.Int("entries", claimed), zap.String("token", token))
	}
	if f.owner.Token(p) == token {
		f.reads.Add(rdb.LeasedPart{P: p, Lease: partition.Lease(f.Name, p), Token: token, Streams: streams})
	}
}

// drainPartition stops reading partition p and waits, up to
// ShutdownTimeout, until what was read of it has settled and committed.
func (f *Worker) drainPartition(ctx context.Context, p int) {
	streams := f.partitionStreams(p)
	f.reads.Remove(p, true)
	f.pool.abandonParked(streams)
	deadline := time.Now().Add(f.cfg.ShutdownTimeout)
	for f.inflight.CountIn(streams) > 0 && time.Now().Before(deadline) {
		if !backoff.Sleep(ctx, 10*time.Millisecond) {
			return
		}
	}
}

// dropPartition stops reading partition p at once (its lease is gone);
// its waiting retries stay pending for the next owner.
func (f *Worker) dropPartition(p int) {
	f.reads.Remove(p, false)
	f.pool.abandonParked(f.partitionStreams(p))
}

// leaseOf returns the lease key of stream's partition and whether
// this instance holds it under token now: entries read or recovered under
// another token (an earlier tenure) are not run here.
func (f *Worker) leaseOf(stream, token string) (key string, held bool) {
	_, p, ok := partition.Parse(stream)
	if !ok || token == "" {
		return "", false
	}
	return partition.Lease(f.Name, p), f.owner.Token(p) == token
}

// refusedPartition takes a partition whose lease a read found passed on
// out of the reads at once; the owner's next round drops it.
func (f *Worker) refusedPartition(part rdb.LeasedPart) {
	f.logger.Warn("partition not read: its lease no longer holds this tenure's token", zap.Int("partition", part.P), zap.String("token", part.Token))
	f.reads.Remove(part.P, false)
}

// unowned drops entries of a partition this instance no longer holds:
// they stay pending, and the partition's next owner claims them.
func (f *Worker) unowned(stream string, entries []redis.XMessage) {
	for _, e := range entries {
		f.inflight.Remove(stream, e.ID)
	}
}
