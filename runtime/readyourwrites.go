package runtime

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/internal/readyourwrites"
	"github.com/ordershop/functions/runtime/internal/streamid"
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

// StreamID is a Redis stream entry id, "<ms>-<seq>": the one place the
// runtime, its operator tools and the shop do stream-id arithmetic. Its
// methods: String (as Redis formats it), Compare (-1, 0 or 1), Next (the
// smallest id after it, an exclusive range start) and Time (the wall-clock
// time of its milliseconds part, UTC).
type StreamID = streamid.ID

// ParseStreamID parses "<ms>-<seq>" (a bare "<ms>" means seq 0).
func ParseStreamID(s string) (StreamID, error) { return streamid.Parse(s) }

// CompareIDs compares two stream ids as strings; a malformed id reads
// as 0-0.
func CompareIDs(a, b string) int { return streamid.CompareStrings(a, b) }
