package retrytask

import (
	"testing"
	"time"
)

func TestWholeSecondsNeverShortens(t *testing.T) {
	for _, d := range []time.Duration{0, time.Millisecond, 300 * time.Millisecond, 999 * time.Millisecond, 2500 * time.Millisecond} {
		got := WholeSeconds(d)
		if got < d || got > d+time.Second+10*time.Millisecond {
			t.Errorf("WholeSeconds(%v) = %v", d, got)
		}
		if at := time.Now().Add(got); at.Nanosecond() > int(20*time.Millisecond) {
			t.Errorf("WholeSeconds(%v) lands at %v, not on a second", d, at)
		}
	}
}
