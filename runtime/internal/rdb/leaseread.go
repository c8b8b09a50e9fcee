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
// holds their token, in one step with the check (leaseread.lua).
func (c *Consumer) ReadLeased(ctx context.Context, parts []LeasedPart, count int) (LeasedResult, error) {
	var keys []string
	args := []any{c.Group, c.Name, count, len(parts)}
	for _, p := range parts {
		keys = append(keys, p.Lease)
		keys = append(keys, p.Streams...)
		args = append(args, p.Token, len(p.Streams))
	}
	raw, err := leaseReadScript.Run(ctx, c.client, keys, args...).Slice()
	if err != nil {
		return LeasedResult{}, fmt.Errorf("leased read: %w", err)
	}
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
// id newest gives it (XREAD: it reads, delivers and claims nothing).
func (c *Consumer) WaitNew(ctx context.Context, newest map[string]string, block time.Duration) error {
	args := make([]string, 0, 2*len(newest))
	ids := make([]string, 0, len(newest))
	for s, id := range newest {
		args = append(args, s)
		ids = append(ids, id)
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
