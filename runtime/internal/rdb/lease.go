package rdb

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime/partition"
)

//go:embed lease.lua
var leaseSource string

//go:embed members.lua
var membersSource string

var (
	leaseScript   = redis.NewScript(leaseSource)
	membersScript = redis.NewScript(membersSource)
)

// MembersKey is the set of the live instances of function that share its
// partitions: fn:{<function>}:members.
func MembersKey(function string) string { return "fn:{" + function + "}:members" }

// Leases are the ownership leases of one function's partitions, as one
// consumer (this instance) takes, keeps and gives them up.
type Leases struct {
	client             redis.UniversalClient
	Function, Consumer string
}

// Leases returns the leases of function's partitions as consumer sees
// them.
func (r *RDB) Leases(function, consumer string) *Leases {
	return &Leases{client: r.client, Function: function, Consumer: consumer}
}

// Acquire takes partition p's lease for ttl if it is free, and returns
// the token of the new tenure ("<consumer>:<epoch>"); ok is false, and
// token the holder's, when another tenure holds it.
func (l *Leases) Acquire(ctx context.Context, p int, ttl time.Duration) (token string, ok bool, err error) {
	res, err := leaseScript.Run(ctx, l.client, []string{partition.Lease(l.Function, p), partition.Epoch(l.Function, p)},
		"acquire", l.Consumer, ttl.Milliseconds()).Slice()
	if err != nil {
		return "", false, fmt.Errorf("acquire lease of partition %d: %w", p, err)
	}
	if len(res) != 2 {
		return "", false, fmt.Errorf("acquire lease of partition %d: reply %v", p, res)
	}
	won, _ := res[0].(int64)
	token, _ = res[1].(string)
	return token, won == 1, nil
}

// Renew extends partition p's lease by ttl if token still holds it; held
// is false when it does not (expired, or another tenure's).
func (l *Leases) Renew(ctx context.Context, p int, token string, ttl time.Duration) (held bool, err error) {
	return l.run(ctx, p, "renew", token, ttl.Milliseconds())
}

// Release deletes partition p's lease if token still holds it.
func (l *Leases) Release(ctx context.Context, p int, token string) (held bool, err error) {
	return l.run(ctx, p, "release", token, 0)
}

func (l *Leases) run(ctx context.Context, p int, op, token string, ms int64) (bool, error) {
	n, err := leaseScript.Run(ctx, l.client, []string{partition.Lease(l.Function, p), partition.Epoch(l.Function, p)}, op, token, ms).Int64()
	if err != nil {
		return false, fmt.Errorf("%s lease of partition %d: %w", op, p, err)
	}
	return n == 1, nil
}

// Holders returns the token holding each of the first count partitions'
// leases ("" for a free one), in one pipeline.
func (l *Leases) Holders(ctx context.Context, count int) ([]string, error) {
	cmds := make([]*redis.StringCmd, count)
	_, err := l.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for p := range cmds {
			cmds[p] = pipe.Get(ctx, partition.Lease(l.Function, p))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read leases: %w", err)
	}
	out := make([]string, count)
	for p, c := range cmds {
		out[p] = c.Val()
	}
	return out, nil
}

// Heartbeat renews this consumer's membership for ttl and returns the
// live members, in name order.
func (l *Leases) Heartbeat(ctx context.Context, ttl time.Duration) ([]string, error) {
	return l.members(ctx, strconv.FormatInt(ttl.Milliseconds(), 10))
}

// Leave ends this consumer's membership.
func (l *Leases) Leave(ctx context.Context) error {
	_, err := l.members(ctx, "leave")
	return err
}

func (l *Leases) members(ctx context.Context, arg string) ([]string, error) {
	out, err := membersScript.Run(ctx, l.client, []string{MembersKey(l.Function)}, l.Consumer, arg).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("membership of %s: %w", l.Function, err)
	}
	return out, nil
}

// ClaimAll claims to this consumer every entry of stream pending in the
// group, whoever holds it (XAUTOCLAIM with no minimum idle time, JUSTID,
// which leaves delivery counts alone), and returns how many entries were
// pending (its own among them).
func (c *Consumer) ClaimAll(ctx context.Context, stream string, count int) (int, error) {
	n := 0
	start := "0-0"
	for {
		ids, next, err := c.client.XAutoClaimJustID(ctx, &redis.XAutoClaimArgs{
			Stream: stream, Group: c.Group, Consumer: c.Name, MinIdle: 0, Start: start, Count: int64(count),
		}).Result()
		if err != nil {
			return n, fmt.Errorf("XAUTOCLAIM %s: %w", stream, err)
		}
		n += len(ids)
		if next == "0-0" || next == "" {
			return n, nil
		}
		start = next
	}
}
