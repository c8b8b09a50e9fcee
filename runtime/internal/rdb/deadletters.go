package rdb

import (
	"context"
	"fmt"
)

// DeadLetterCounts returns the length of each function's dead-letter
// stream, in one round trip; a function whose count could not be read is
// missing from the result.
func (r *RDB) DeadLetterCounts(ctx context.Context, functions []string) map[string]int64 {
	pipe := r.client.Pipeline()
	cmds := make(map[string]interface{ Result() (int64, error) }, len(functions))
	for _, fn := range functions {
		cmds[fn] = pipe.XLen(ctx, DeadLetterStream(fn))
	}
	_, _ = pipe.Exec(ctx)
	out := make(map[string]int64, len(functions))
	for fn, c := range cmds {
		if n, err := c.Result(); err == nil {
			out[fn] = n
		}
	}
	return out
}

// DeleteDeadLetter removes one entry of function's dead-letter stream.
func (r *RDB) DeleteDeadLetter(ctx context.Context, function, id string) error {
	if err := r.client.XDel(ctx, DeadLetterStream(function), id).Err(); err != nil {
		return fmt.Errorf("XDEL %s %s: %w", DeadLetterStream(function), id, err)
	}
	return nil
}

// HasDeadLetter reports whether function's dead-letter stream still holds
// the entry id.
func (r *RDB) HasDeadLetter(ctx context.Context, function, id string) (bool, error) {
	msgs, err := r.client.XRangeN(ctx, DeadLetterStream(function), id, id, 1).Result()
	if err != nil {
		return false, fmt.Errorf("XRANGE %s %s: %w", DeadLetterStream(function), id, err)
	}
	return len(msgs) == 1, nil
}
