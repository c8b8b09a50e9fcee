// Package readyourwrites waits for a consumer group to catch up with
// stream positions taken earlier (runtime.Positions, CaughtUp,
// WaitCaughtUp): a query that arrives after a write waits until the
// projecting function has handled it.
package readyourwrites

import (
	"context"
	"time"

	"github.com/ordershop/functions/runtime/internal/backoff"
	"github.com/ordershop/functions/runtime/internal/rdb"
	"github.com/ordershop/functions/runtime/internal/streamid"
)

// CaughtUp reports whether function (a consumer group) has handled every
// entry of each stream up to and including its position: the group was
// delivered that far and nothing at or before it is still pending. An
// entry that failed and waits for a retry counts as handled (it is acked).
// It costs one round trip.
func CaughtUp(ctx context.Context, r *rdb.RDB, function string, positions map[string]string) (bool, error) {
	var streams []string
	for stream, pos := range positions {
		if pos != "0-0" {
			streams = append(streams, stream)
		}
	}
	if len(streams) == 0 {
		return true, nil
	}
	progress, err := r.Progress(ctx, function, streams)
	if err != nil {
		return false, err
	}
	for _, s := range streams {
		p, pos := progress[s], positions[s]
		if !p.Found || streamid.CompareStrings(p.LastDelivered, pos) < 0 {
			return false, nil
		}
		if p.Pending > 0 && streamid.CompareStrings(p.Lowest, pos) <= 0 {
			return false, nil
		}
	}
	return true, nil
}

// Wait polls CaughtUp until it is true, ctx ends or timeout passes; it
// returns context.DeadlineExceeded when the function did not catch up in
// time.
func Wait(ctx context.Context, r *rdb.RDB, function string, positions map[string]string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 250 * time.Microsecond
	for {
		ok, err := CaughtUp(ctx, r, function, positions)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if !backoff.Sleep(ctx, delay) {
			return ctx.Err()
		}
		delay = min(delay*2, 4*time.Millisecond)
	}
}
