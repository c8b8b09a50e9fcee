package backoff

import (
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	base, maxDelay := 100*time.Millisecond, time.Second
	cases := []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 100 * time.Millisecond, 125 * time.Millisecond},
		{2, 200 * time.Millisecond, 250 * time.Millisecond},
		{3, 400 * time.Millisecond, 500 * time.Millisecond},
		{4, 800 * time.Millisecond, time.Second},
		{5, time.Second, time.Second},
		{50, time.Second, time.Second},
	}
	for _, c := range cases {
		t.Run(time.Duration(c.attempt).String(), func(t *testing.T) {
			for range 200 {
				d := Retry(c.attempt, base, maxDelay)
				if d < c.min || d > c.max {
					t.Fatalf("Retry(%d) = %v, want within [%v, %v]", c.attempt, d, c.min, c.max)
				}
			}
		})
	}
}
