package inspect

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ordershop/functions/runtime"
	"github.com/ordershop/functions/runtime/internal/streamid"
)

// StreamsWithPrefix returns the keys of the streams whose names start
// with prefix, sorted (on every master of a cluster): the streams of an
// event log named "<prefix><aggregate>". Dead-letter streams are left
// out, so that an empty prefix means every other stream.
func (i *Inspector) StreamsWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	keys, err := i.scanStreams(ctx, globEscape(prefix)+"*")
	if err != nil {
		return nil, err
	}
	out := keys[:0]
	for _, k := range keys {
		if !strings.HasPrefix(k, deadLetterPrefix) {
			out = append(out, k)
		}
	}
	return out, nil
}

// globEscape quotes the characters SCAN MATCH treats as a pattern.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`).Replace(s)
}

// Events returns up to count entries of stream after the entry id after
// ("" means from the start, or with newest from the end), oldest first
// or, with newest, newest first. A missing stream has none.
func (i *Inspector) Events(ctx context.Context, stream, after string, newest bool, count int) ([]Event, error) {
	if after != "" {
		if err := validEntryID(after); err != nil {
			return nil, err
		}
	}
	xs, err := i.readAfter(ctx, stream, after, newest, int64(max(count, 1)))
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, len(xs))
	for _, x := range xs {
		out = append(out, i.event(stream, x))
	}
	return out, nil
}

// WaitEvents reads the entries appended to the streams after the entry
// ids given for each (XREAD BLOCK): up to count per stream, waiting up
// to block for the first. The events come back ordered by entry id (then
// stream), so that across streams an earlier entry comes first. No entry
// within block is nil and no error; so is ctx ending.
func (i *Inspector) WaitEvents(ctx context.Context, after map[string]string, count int, block time.Duration) ([]Event, error) {
	if len(after) == 0 {
		return nil, fmt.Errorf("wait for events: no streams: %w", ErrInvalid)
	}
	streams := make([]string, 0, len(after))
	for s := range after {
		streams = append(streams, s)
	}
	sort.Strings(streams)
	ids := make([]string, len(streams))
	for k, s := range streams {
		ids[k] = after[s]
	}
	res, err := xread(ctx, i.rdb, streams, ids, int64(max(count, 1)), block)
	switch {
	case ctx.Err() != nil, errors.Is(err, redis.Nil):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("XREAD %v: %w", streams, err)
	}
	var out []Event
	for _, s := range res {
		for _, x := range s.Messages {
			out = append(out, i.event(s.Stream, x))
		}
	}
	sort.SliceStable(out, func(a, b int) bool {
		if c := streamid.CompareStrings(out[a].EntryID, out[b].EntryID); c != 0 {
			return c < 0
		}
		return out[a].Stream < out[b].Stream
	})
	return out, nil
}

// WaitDeadLetters reads the dead letters written to function's
// dead-letter stream after the id after ("$" or "" means after its
// newest entry now; "0-0" from its start), up to count, waiting up to
// block for the first (XREAD BLOCK), oldest first. No dead letter within
// block is nil and no error; so is ctx ending. The function need not
// have a dead-letter stream yet.
func (i *Inspector) WaitDeadLetters(ctx context.Context, function, after string, count int, block time.Duration) ([]DeadLetter, error) {
	if function == "" {
		return nil, fmt.Errorf("function name is empty: %w", ErrInvalid)
	}
	if after == "" {
		after = "$"
	} else if after != "$" {
		if _, err := runtime.ParseStreamID(after); err != nil {
			return nil, fmt.Errorf("entry id %q: %w", after, ErrInvalid)
		}
	}
	key := runtime.DeadLetterStream(function)
	res, err := i.rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{key, after}, Count: int64(max(count, 1)), Block: block}).Result()
	switch {
	case ctx.Err() != nil, errors.Is(err, redis.Nil):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("XREAD %s: %w", key, err)
	}
	var out []DeadLetter
	for _, s := range res {
		for _, x := range s.Messages {
			out = append(out, i.deadLetter(x))
		}
	}
	return out, nil
}
