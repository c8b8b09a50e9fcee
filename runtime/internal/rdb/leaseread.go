package rdb

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed leaseread.lua
var leaseReadSource string

var leaseReadScript = redis.NewScript(leaseReadSource)

// LeasedPart is one partition of a leased read: its lease, the token it is
// read under and its streams.
type LeasedPart struct {
	P       int
	Lease   string
	Token   string
	Streams []string
}

// LeasedResult is what a leased read returns: the entries read, the
// partitions whose lease the token no longer holds (not read), and, when
// nothing was read, each stream's newest entry id (see WaitNew).
type LeasedResult struct {
	Entries []redis.XStream
	Refused []LeasedPart
	Newest  map[string]string
}

// ReadLeased reads up to count new entries of the parts whose lease still
// holds their token, in one step with the check (leaseread.lua): one run
// for every part on a single node; on a Redis Cluster, where a script
// keeps to one slot, one run per part (its lease and streams share the
// partition's slot), all in one pipeline.
func (c *Consumer) ReadLeased(ctx context.Context, parts []LeasedPart, count int) (LeasedResult, error) {
	if !IsCluster(c.client) || len(parts) == 1 {
		return c.readLeased(ctx, c.client, parts, count)
	}
	pipe := c.client.Pipeline()
	cmds := make([]*redis.Cmd, len(parts))
	for i := range parts {
		keys, args := leasedReadArgs(c, parts[i:i+1], count)
		cmds[i] = pipe.EvalSha(ctx, leaseReadScript.Hash(), keys, args...)
	}
	_, _ = pipe.Exec(ctx)
	var out LeasedResult
	for i, cmd := range cmds {
		raw, err := cmd.Slice()
		if err != nil && hasPrefix(err, "NOSCRIPT") {
			// First use on that node: run it alone, which loads it.
			one, err := c.readLeased(ctx, c.client, parts[i:i+1], count)
			if err != nil {
				return LeasedResult{}, err
			}
			out.merge(one)
			continue
		}
		if err != nil {
			return LeasedResult{}, fmt.Errorf("leased read: %w", err)
		}
		one, err := parseLeased(raw, parts[i:i+1])
		if err != nil {
			return LeasedResult{}, err
		}
		out.merge(one)
	}
	if len(out.Entries) > 0 {
		c.poll.reset()
	}
	return out, nil
}

// merge adds the result of another part's read to r.
func (r *LeasedResult) merge(o LeasedResult) {
	r.Entries = append(r.Entries, o.Entries...)
	r.Refused = append(r.Refused, o.Refused...)
	for s, id := range o.Newest {
		if r.Newest == nil {
			r.Newest = map[string]string{}
		}
		r.Newest[s] = id
	}
}

// leasedReadArgs are the KEYS and ARGV of leaseread.lua for parts.
func leasedReadArgs(c *Consumer, parts []LeasedPart, count int) ([]string, []any) {
	var keys []string
	args := []any{c.Group, c.Name, count, len(parts)}
	for _, p := range parts {
		keys = append(keys, p.Lease)
		keys = append(keys, p.Streams...)
		args = append(args, p.Token, len(p.Streams))
	}
	return keys, args
}

// readLeased is one run of leaseread.lua for parts.
func (c *Consumer) readLeased(ctx context.Context, client redis.Scripter, parts []LeasedPart, count int) (LeasedResult, error) {
	keys, args := leasedReadArgs(c, parts, count)
	raw, err := leaseReadScript.Run(ctx, client, keys, args...).Slice()
	if err != nil {
		return LeasedResult{}, fmt.Errorf("leased read: %w", err)
	}
	return parseLeased(raw, parts)
}

// parseLeased reads the reply of leaseread.lua for parts.
func parseLeased(raw []any, parts []LeasedPart) (LeasedResult, error) {
	if len(raw) != 3 {
		return LeasedResult{}, fmt.Errorf("leased read: reply of %d parts", len(raw))
	}
	var out LeasedResult
	refused, _ := raw[0].([]any)
	for _, r := range refused {
		if i, ok := r.(int64); ok && i >= 1 && int(i) <= len(parts) {
			out.Refused = append(out.Refused, parts[i-1])
		}
	}
	var err error
	if out.Entries, err = parseXRead(raw[1]); err != nil {
		return LeasedResult{}, err
	}
	if last, _ := raw[2].([]any); len(last) > 0 {
		out.Newest = make(map[string]string, len(last)/2)
		eachPair(last, func(s string, id any) { out.Newest[s], _ = id.(string) })
	}
	return out, nil
}

// WaitNew blocks up to block until any of streams has an entry after the
// id newest gives it (XREAD: it reads, delivers and claims nothing). On a
// Redis Cluster, where one XREAD may name streams of one slot only, it
// waits as an empty read of several streams does (clusterPoll) when the
// streams are in several slots.
func (c *Consumer) WaitNew(ctx context.Context, newest map[string]string, block time.Duration) error {
	args := make([]string, 0, 2*len(newest))
	ids := make([]string, 0, len(newest))
	slots := map[int]bool{}
	for s, id := range newest {
		args = append(args, s)
		ids = append(ids, id)
		slots[Slot(s)] = true
	}
	if IsCluster(c.client) && len(slots) > 1 {
		c.poll.wait(ctx, block)
		return nil
	}
	err := c.client.XRead(ctx, &redis.XReadArgs{Streams: append(args, ids...), Count: 1, Block: block}).Err()
	if err != nil && !isNil(err) {
		return fmt.Errorf("wait for new entries: %w", err)
	}
	return nil
}

// parseXRead turns an XREADGROUP reply returned by a script into streams.
func parseXRead(v any) ([]redis.XStream, error) {
	list, _ := v.([]any)
	out := make([]redis.XStream, 0, len(list))
	for _, s := range list {
		pair, ok := s.([]any)
		if !ok || len(pair) != 2 {
			return nil, fmt.Errorf("leased read: malformed stream reply %v", s)
		}
		name, _ := pair[0].(string)
		entries, _ := pair[1].([]any)
		xs := redis.XStream{Stream: name, Messages: make([]redis.XMessage, 0, len(entries))}
		for _, e := range entries {
			ent, ok := e.([]any)
			if !ok || len(ent) != 2 {
				return nil, fmt.Errorf("leased read: malformed entry %v", e)
			}
			id, _ := ent[0].(string)
			fields, _ := ent[1].([]any)
			values := make(map[string]any, len(fields)/2)
			eachPair(fields, func(f string, v any) { values[f] = v })
			xs.Messages = append(xs.Messages, redis.XMessage{ID: id, Values: values})
		}
		out = append(out, xs)
	}
	return out, nil
}

// eachPair calls fn for every name and value of a flat name/value list.
func eachPair(list []any, fn func(name string, value any)) {
	for i := 0; i+1 < len(list); i += 2 {
		name, _ := list[i].(string)
		fn(name, list[i+1])
	}
}
