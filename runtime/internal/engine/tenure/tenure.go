// Package tenure is the partition ownership of a leased function (a
// Partitioned function with an OrderingKey): each of its partitions is
// read by one instance at a time, the holder of the partition's lease
// (engine/duty/owner.go decides which ones this instance holds). What
// holding one means here:
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
//     (engine/lifecycle.go), so peers take over without waiting for
//     expiry.
//
// A Tenure is built like the duties of engine/duty: from Params with what
// it needs, as values and funcs, never the engine's Worker itself.
package tenure

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ordershop/functions/runtime/internal/engine/duty"
	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/partition"
)

// Params is what a function's tenure needs.
type Params struct {
	Logger *zap.Logger
	// Function is the function's name (its leases' keys).
	Function string
	Leases   *rdb.Leases
	// Families are the function's partitioned families (see Open).
	Families []partition.Family
	// TTL is the life of a lease (PARTITION_LEASE); BatchSize bounds a
	// claim; ShutdownTimeout bounds the drain of a partition handed over.
	TTL             time.Duration
	BatchSize       int
	ShutdownTimeout time.Duration

	// InflightIn counts the entries of streams in flight here.
	InflightIn func(streams []string) int
	// ClaimAll claims up to n entries of stream pending in the group,
	// whoever holds them; RecoverOwn then runs this instance's pending
	// entries of stream, in order, under token (hard is the handlers'
	// context).
	ClaimAll   func(ctx context.Context, stream string, n int) (int, error)
	RecoverOwn func(ctx, hard context.Context, stream, token string) error
	// AbandonParked leaves pending at once the lanes of streams waiting
	// for a retry.
	AbandonParked func(streams []string)
	// Changed and Event are the host's: the partitions held after every
	// change, and every change ("acquired", "released", "lost",
	// "taken_over").
	Changed func(held int)
	Event   func(kind string, p int)
}

// Tenure is a leased function's ownership of its partitions on this
// instance: its owner (duty.Owner) and the read set the reader reads.
type Tenure struct {
	p      Params
	owner  *duty.Owner
	reads  *duty.ReadSet
	logger *zap.Logger
}

// New returns the tenure of a leased function. readCtx ends the
// recoveries, claimCtx the owner's rounds (it outlives reading), and hard
// is what recovered invocations run under.
func New(readCtx, claimCtx, hard context.Context, p Params) *Tenure {
	t := &Tenure{p: p, reads: duty.NewReadSet(), logger: p.Logger}
	t.owner = duty.NewOwner(claimCtx, duty.OwnerParams{
		Logger: p.Logger, Leases: p.Leases, Partitions: Count(p.Families), TTL: p.TTL,
		Acquired: func(part int, token string) { go t.recover(readCtx, hard, part, token) },
		Drain:    t.drain,
		Lost:     t.drop,
		Changed:  p.Changed,
		Event:    p.Event,
	})
	return t
}

// Start runs the owner on a goroutine of its own, counted in wg.
func (t *Tenure) Start(wg *sync.WaitGroup) { t.owner.Start(wg) }

// StopAcquiring ends rebalancing (shutdown's first step).
func (t *Tenure) StopAcquiring() { t.owner.StopAcquiring() }

// Shutdown stops the owner, which releases its leases (the commits are
// written by then).
func (t *Tenure) Shutdown() { t.owner.Shutdown() }

// Reads returns the read set: the partitions owned and recovered.
func (t *Tenure) Reads() *duty.ReadSet { return t.reads }

// LeaseOf returns the lease key of stream's partition and whether
// this instance holds it under token now: entries read or recovered under
// another token (an earlier tenure) are not run here.
func (t *Tenure) LeaseOf(stream, token string) (key string, held bool) {
	_, p, ok := partition.Parse(stream)
	if !ok || token == "" {
		return "", false
	}
	return partition.Lease(t.p.Function, p), t.owner.Token(p) == token
}

// Refused takes a partition whose lease a read found passed on out of
// the reads at once; the owner's next round drops it.
func (t *Tenure) Refused(part rdb.LeasedPart) {
	t.logger.Warn("partition not read: its lease no longer holds this tenure's token", zap.Int("partition", part.P), zap.String("token", part.Token))
	t.reads.Remove(part.P, false)
}
