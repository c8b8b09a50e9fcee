package rdb

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// Positions returns the id of the newest entry of each stream ("0-0" for
// an empty or missing stream), in one round trip.
func (r *RDB) Positions(ctx context.Context, streams []string) (map[string]string, error) {
	pipe := r.client.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(streams))
	for i, s := range streams {
		cmds[i] = pipe.XRevRangeN(ctx, s, "+", "-", 1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !isNil(err) {
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

// GroupProgress is how far a consumer group is on one stream.
type GroupProgress struct {
	// Found: the group exists on the stream.
	Found bool
	// LastDelivered is the id of the newest entry delivered to the group.
	LastDelivered string
	// Pending counts the entries delivered and not acked; Lowest is the
	// oldest of them.
	Pending int64
	Lowest  string
}

// Progress returns group's progress on each stream, in one round trip.
func (r *RDB) Progress(ctx context.Context, group string, streams []string) (map[string]GroupProgress, error) {
	pipe := r.client.Pipeline()
	groups := make([]*redis.XInfoGroupsCmd, len(streams))
	pending := make([]*redis.XPendingCmd, len(streams))
	for i, s := range streams {
		groups[i], pending[i] = pipe.XInfoGroups(ctx, s), pipe.XPending(ctx, s, group)
	}
	_, _ = pipe.Exec(ctx)
	out := make(map[string]GroupProgress, len(streams))
	for i, s := range streams {
		gs, err := groups[i].Result()
		if err != nil {
			return nil, fmt.Errorf("XINFO GROUPS %s: %w", s, err)
		}
		var p GroupProgress
		for _, g := range gs {
			if g.Name == group {
				p.Found, p.LastDelivered = true, g.LastDeliveredID
			}
		}
		if p.Found {
			pend, err := pending[i].Result()
			if err != nil {
				return nil, fmt.Errorf("XPENDING %s %s: %w", s, group, err)
			}
			p.Pending, p.Lowest = pend.Count, pend.Lower
		}
		out[s] = p
	}
	return out, nil
}
