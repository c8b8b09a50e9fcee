package rdb

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Consumer is one consumer (this instance) of one consumer group (a
// function): the group's stream commands, as the reader, reclaimer,
// renewer and janitor use them.
type Consumer struct {
	client      redis.UniversalClient
	Group, Name string
	// poll is the wait after an empty read of several streams on a
	// Cluster (see Read).
	poll clusterPoll
}

// Consumer returns consumer name of group.
func (r *RDB) Consumer(group, name string) *Consumer {
	return &Consumer{client: r.client, Group: group, Name: name}
}

// CreateGroup creates the group on stream (MKSTREAM) from start ("0" or
// "$"), and this consumer in it (best effort); a group or consumer that
// exists already is fine.
func (c *Consumer) CreateGroup(ctx context.Context, stream, start string) error {
	err := c.client.XGroupCreateMkStream(ctx, stream, c.Group, start).Err()
	if err != nil && !hasPrefix(err, "BUSYGROUP") {
		return fmt.Errorf("XGROUP CREATE %s %s: %w", stream, c.Group, err)
	}
	// The consumer too, so that it is listed (XINFO CONSUMERS, status,
	// the dashboard) from the start: a blocked XREADGROUP on an empty
	// stream does not create it.
	// Best effort: only listings need it, so a Redis that refuses it (an
	// old one, say) must not keep the function from starting; the first
	// XREADGROUP with entries creates the consumer anyway.
	_ = c.client.XGroupCreateConsumer(ctx, stream, c.Group, c.Name).Err()
	return nil
}

// ReadArgs is one XREADGROUP of new entries (">") of every stream.
type ReadArgs struct {
	Streams []string
	Count   int
	// Block is how long the read waits for entries; -1 answers at once.
	Block time.Duration
	// Lookup, when set, rides in the same round trip: the idempotency
	// lookup of LookupRefs (an earlier batch's events).
	Lookup     *Records
	LookupRefs []Ref
}

// Read runs a; it returns the entries read and, if a.Lookup was set, the
// func that gives its lookup's result. No entries is not an error.
//
// On a Redis Cluster one XREADGROUP may name streams of one slot only, so
// several streams are read with one XREADGROUP each, in one pipeline, none
// blocking; when none had anything, Read waits a little before it returns
// (clusterPoll), instead of a's Block.
func (c *Consumer) Read(ctx context.Context, a ReadArgs) ([]redis.XStream, func() ([]bool, error), error) {
	pipe := c.client.Pipeline()
	var lookup func() ([]bool, error)
	if a.Lookup != nil {
		lookup = a.Lookup.QueueDone(ctx, pipe, a.LookupRefs)
	}
	if IsCluster(c.client) && len(a.Streams) > 1 {
		res, err := c.readEach(ctx, pipe, a)
		return res, lookup, err
	}
	streams := make([]string, 0, 2*len(a.Streams))
	streams = append(streams, a.Streams...)
	for range a.Streams {
		streams = append(streams, ">")
	}
	read := pipe.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: c.Group, Consumer: c.Name, Streams: streams, Count: int64(a.Count), Block: a.Block,
	})
	_, _ = pipe.Exec(ctx)
	res, err := read.Result()
	if isNil(err) {
		err = nil
	}
	return res, lookup, err
}

// readEach is Read of several streams on a Cluster: one non-blocking
// XREADGROUP per stream, in pipe.
func (c *Consumer) readEach(ctx context.Context, pipe redis.Pipeliner, a ReadArgs) ([]redis.XStream, error) {
	reads := make([]*redis.XStreamSliceCmd, len(a.Streams))
	for i, s := range a.Streams {
		reads[i] = pipe.XReadGroup(ctx, &redis.XReadGroupArgs{
			Group: c.Group, Consumer: c.Name, Streams: []string{s, ">"}, Count: int64(a.Count), Block: -1,
		})
	}
	_, _ = pipe.Exec(ctx)
	var out []redis.XStream
	var firstErr error
	for _, r := range reads {
		res, err := r.Result()
		switch {
		case isNil(err):
		case err != nil:
			if firstErr == nil {
				firstErr = err
			}
		default:
			out = append(out, res...)
		}
	}
	if len(out) > 0 {
		c.poll.reset()
		return out, nil // what was read is delivered: report it, not the error
	}
	if firstErr == nil && a.Block >= 0 {
		c.poll.wait(ctx, a.Block)
	}
	return nil, firstErr
}

// PendingOwn lists up to count entries of stream pending on this consumer,
// from start ("-", or "(<id>" to go on after id).
func (c *Consumer) PendingOwn(ctx context.Context, stream, start string, count int) ([]redis.XPendingExt, error) {
	pend, err := c.client.XPendingExt(ctx, &redis.XPendingExtArgs{
		Stream: stream, Group: c.Group, Start: start, End: "+", Count: int64(count), Consumer: c.Name,
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("XPENDING %s: %w", stream, err)
	}
	return pend, nil
}

// Fetch reads the entries ids of stream in one round trip; an entry
// deleted from the stream comes back with nil Values.
func (c *Consumer) Fetch(ctx context.Context, stream string, ids []string) ([]redis.XMessage, error) {
	pipe := c.client.Pipeline()
	cmds := make([]*redis.XMessageSliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.XRangeN(ctx, stream, id, id, 1)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read pending entries of %s: %w", stream, err)
	}
	out := make([]redis.XMessage, len(ids))
	for i, id := range ids {
		out[i].ID = id
		if got := cmds[i].Val(); len(got) == 1 {
			out[i].Values = got[0].Values
		}
	}
	return out, nil
}

// ClaimIdle claims up to count entries of stream idle for at least
// minIdle, whoever holds them, from start (XAUTOCLAIM JUSTID: the delivery
// count is left alone). It returns their ids and where to go on ("0-0"
// when the scan is done).
func (c *Consumer) ClaimIdle(ctx context.Context, stream string, minIdle time.Duration, start string, count int) ([]string, string, error) {
	ids, next, err := c.client.XAutoClaimJustID(ctx, &redis.XAutoClaimArgs{
		Stream: stream, Group: c.Group, Consumer: c.Name, MinIdle: minIdle, Start: start, Count: int64(count),
	}).Result()
	if err != nil {
		return nil, "", fmt.Errorf("XAUTOCLAIM %s: %w", stream, err)
	}
	return ids, next, nil
}

// maxRenewIDs bounds the ids of one renewScript run.
const maxRenewIDs = 500

// Renew claims ids of stream to this consumer again, only those it still
// owns (renew.lua): their idle time is reset and, unless count is "",
// their delivery count set to count. It returns the ids this consumer no
// longer owns, and how many of them another consumer took over (the
// others were settled meanwhile).
func (c *Consumer) Renew(ctx context.Context, stream string, ids []string, count string) (lost []string, taken int, err error) {
	for len(ids) > 0 {
		n := min(len(ids), maxRenewIDs)
		args := make([]any, 0, 3+n)
		args = append(args, c.Group, c.Name, count)
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		ids = ids[n:]
		res, err := renewScript.Run(ctx, c.client, []string{stream}, args...).Slice()
		if err != nil {
			return lost, taken, fmt.Errorf("renew entries of %s: %w", stream, err)
		}
		if len(res) != 2 {
			return lost, taken, fmt.Errorf("renew entries of %s: reply of %d parts", stream, len(res))
		}
		for k, part := range res {
			ids, _ := part.([]any)
			for _, id := range ids {
				if s, ok := id.(string); ok {
					lost = append(lost, s)
					if k == 0 {
						taken++
					}
				}
			}
		}
	}
	return lost, taken, nil
}

// Consumers lists the group's consumers on stream.
func (c *Consumer) Consumers(ctx context.Context, stream string) ([]redis.XInfoConsumer, error) {
	cs, err := c.client.XInfoConsumers(ctx, stream, c.Group).Result()
	if err != nil {
		return nil, fmt.Errorf("XINFO CONSUMERS %s %s: %w", stream, c.Group, err)
	}
	return cs, nil
}

// DeleteConsumer removes consumer from the group on stream.
func (c *Consumer) DeleteConsumer(ctx context.Context, stream, consumer string) error {
	if err := c.client.XGroupDelConsumer(ctx, stream, c.Group, consumer).Err(); err != nil {
		return fmt.Errorf("XGROUP DELCONSUMER %s %s %s: %w", stream, c.Group, consumer, err)
	}
	return nil
}
