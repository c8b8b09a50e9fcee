package inspect

import (
	"context"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/inspect/internal/partview"
)

// PartitionStatus is one partition p of a partitioned function (one whose
// registry entry names Families): partition p of each of its families,
// who owns it (Owner, Epoch, LeaseTTL, from its lease) and how far the
// function's group has read it (Lag, Pending, summed over Streams).
type PartitionStatus = partview.Status

// partitions groups a partitioned function's streams (already read into
// fs.Streams) by partition and reads the function's lease of each.
func (i *Inspector) partitions(ctx context.Context, info runtime.FunctionInfo, streams []StreamStatus) ([]PartitionStatus, error) {
	in := make([]partview.Stream, len(streams))
	for k, ss := range streams {
		in[k] = partview.Stream{Name: ss.Stream, Pending: ss.Pending, Lag: ss.Lag}
	}
	return partview.Read(ctx, i.rdb, info, in)
}

// ParseLease splits a lease's value "<consumer>:<epoch>" into its owner
// and epoch. The epoch is what follows the last colon (a consumer name
// may hold colons); a value without a numeric epoch is all owner, epoch 0.
func ParseLease(v string) (owner string, epoch int64) { return partview.ParseLease(v) }
