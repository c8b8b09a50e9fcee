// Package backoff is how long the runtime waits: between the attempts of a
// failing invocation (Retry) and between the tries of an operation that
// fails because Redis is away (Backoff).
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Retry is the wait after failed attempt n (from 1): base·2^(n-1), plus up
// to 25% jitter, capped at maxDelay. It is never shorter than base·2^(n-1)
// unless that exceeds maxDelay.
func Retry(n int, base, maxDelay time.Duration) time.Duration {
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

// Backoff waits progressively longer between tries of an operation that
// fails because Redis is away: from min, doubling, up to max, with up to
// 25% jitter.
type Backoff struct {
	next, max time.Duration
}

// New returns a Backoff whose first wait is minDelay.
func New(minDelay, maxDelay time.Duration) *Backoff {
	return &Backoff{next: minDelay, max: maxDelay}
}

// Wait sleeps for the next delay; false if ctx ended first.
func (b *Backoff) Wait(ctx context.Context) bool {
	d := b.next
	b.next = min(b.next*2, b.max)
	return Sleep(ctx, d+time.Duration(rand.Int64N(int64(d)/4+1)))
}

// Sleep sleeps for d; false if ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
