package runtime

import (
	"context"
	"math/rand/v2"
	"time"
)

// retryDelay is the wait after failed attempt n (from 1):
// base·2^(n-1), plus up to 25% jitter, capped at max. It is never shorter
// than base·2^(n-1) unless that exceeds max.
func retryDelay(n int, base, maxDelay time.Duration) time.Duration {
	d := base
	for i := 1; i < n && d < maxDelay; i++ {
		d *= 2
	}
	if d >= maxDelay {
		return maxDelay
	}
	d += time.Duration(rand.Int64N(int64(d)/4 + 1))
	return min(d, maxDelay)
}

// backoff waits progressively longer between tries of an operation that
// fails because Redis is away: from min, doubling, up to max.
type backoff struct {
	next, max time.Duration
}

func newBackoff(minDelay, maxDelay time.Duration) *backoff {
	return &backoff{next: minDelay, max: maxDelay}
}

// wait sleeps for the next delay; false if ctx ended first.
func (b *backoff) wait(ctx context.Context) bool {
	d := b.next
	b.next = min(b.next*2, b.max)
	t := time.NewTimer(d + time.Duration(rand.Int64N(int64(d)/4+1)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
