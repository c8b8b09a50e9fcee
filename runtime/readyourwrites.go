package runtime

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/internal/readyourwrites"
)

// Positions returns the ID of the newest entry of each stream ("0-0" for an
// empty or missing stream), in one round trip. With CaughtUp it gives
// read-your-writes: take Positions when a query arrives, then wait until
// the projecting function has caught up with them.
func Positions(ctx context.Context, client redis.UniversalClient, streams ...string) (map[string]string, error) {
	return rdb.New(client).Positions(ctx, streams)
}

// CaughtUp reports whether function (a consumer group) has handled every
// entry of each stream up to and including its position: the group was
// delivered that far and nothing at or before it is still pending. An
// entry that failed and waits for a retry counts as handled (it is acked).
// It costs one round trip.
func CaughtUp(ctx context.Context, client redis.UniversalClient, function string, positions map[string]string) (bool, error) {
	return readyourwrites.CaughtUp(ctx, rdb.New(client), function, positions)
}

// WaitCaughtUp polls CaughtUp until it is true, ctx ends or timeout passes;
// it returns context.DeadlineExceeded when the function did not catch up in
// time.
func WaitCaughtUp(ctx context.Context, client redis.UniversalClient, function string, positions map[string]string, timeout time.Duration) error {
	return readyourwrites.Wait(ctx, rdb.New(client), function, positions, timeout)
}
