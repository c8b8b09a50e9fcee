package runtime

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Positions returns the ID of the newest entry of each stream ("0-0" for an
// empty or missing stream), in one round trip. With CaughtUp it gives
// read-your-writes: take Positions when a query arrives, then wait until
// the projecting function has caught up with them.
func Positions(ctx context.Context, rdb redis.UniversalClient, streams ...string) (map[string]string, error) {
	pipe := rdb.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(streams))
	for i, s := range streams {
		cmds[i] = pipe.XRevRangeN(ctx, s, "+", "-", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("stream positions: %w", err)
	}
	out := make(map[string]string, len(streams))
	for i, s := range streams {
		out[s] = "0-0"
		if msgs, err := cmds[i].Result(); err == nil && len(msgs) > 0 {
			out[s] = msgs[0].ID
		}
	}
	return out, nil
}

// CaughtUp reports whether function (a consumer group) has handled every
// entry of each stream up to and including its position: the group was
// delivered that far and nothing at or before it is still pending. An
// entry that failed and waits for a retry counts as handled (it is acked).
// It costs one round trip.
func CaughtUp(ctx context.Context, rdb redis.UniversalClient, function string, positions map[string]string) (bool, error) {
	type check struct {
		stream, pos string
		groups      *redis.XInfoGroupsCmd
		pending     *redis.XPendingCmd
	}
	var checks []check
	pipe := rdb.Pipeline()
	for stream, pos := range positions {
		if pos == "0-0" {
			continue
		}
		checks = append(checks, check{stream, pos, pipe.XInfoGroups(ctx, stream), pipe.XPending(ctx, stream, function)})
	}
	if len(checks) == 0 {
		return true, nil
	}
	_, _ = pipe.Exec(ctx)
	for _, c := range checks {
		groups, err := c.groups.Result()
		if err != nil {
			return false, fmt.Errorf("XINFO GROUPS %s: %w", c.stream, err)
		}
		var delivered string
		found := false
		for _, g := range groups {
			if g.Name == function {
				delivered, found = g.LastDeliveredID, true
			}
		}
		if !found || CompareIDs(delivered, c.pos) < 0 {
			return false, nil
		}
		pend, err := c.pending.Result()
		if err != nil {
			return false, fmt.Errorf("XPENDING %s %s: %w", c.stream, function, err)
		}
		if pend.Count > 0 && CompareIDs(pend.Lower, c.pos) <= 0 {
			return false, nil
		}
	}
	return true, nil
}

// WaitCaughtUp polls CaughtUp until it is true, ctx ends or timeout passes;
// it returns context.DeadlineExceeded when the function did not catch up in
// time.
func WaitCaughtUp(ctx context.Context, rdb redis.UniversalClient, function string, positions map[string]string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 250 * time.Microsecond
	for {
		ok, err := CaughtUp(ctx, rdb, function, positions)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 4*time.Millisecond)
	}
}
