package history

import (
	"testing"
	"time"
)

func TestRatesBetweenSamples(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	base := sample{At: t0, Added: 100, Settled: 90, Shape: 1001}
	later := func(dt time.Duration, added, settled, shape int64) sample {
		return sample{At: t0.Add(dt), Added: added, Settled: settled, Shape: shape}
	}
	for name, tc := range map[string]struct {
		b       sample
		in, out float64 // -1: no rate
	}{
		"counted":                 {later(10*time.Second, 130, 95, 1001), 3, 0.5},
		"nothing happened":        {later(10*time.Second, 100, 90, 1001), 0, 0},
		"stream recreated":        {later(10*time.Second, 5, 2, 1001), -1, -1},
		"settled unknown":         {later(10*time.Second, 110, unknown, 1001), 1, -1},
		"group created since":     {later(10*time.Second, 110, 100, 1002), -1, -1},
		"no time between them":    {later(0, 110, 100, 1001), -1, -1},
		"the later is the oldest": {later(-10*time.Second, 110, 100, 1001), -1, -1},
	} {
		t.Run(name, func(t *testing.T) {
			r := ratesBetween(base, tc.b)
			if got := value(r.In); got != tc.in {
				t.Errorf("in = %v, want %v", got, tc.in)
			}
			if got := value(r.Out); got != tc.out {
				t.Errorf("out = %v, want %v", got, tc.out)
			}
		})
	}
}

// value is *r, or -1 for nil.
func value(r rate) float64 {
	if r == nil {
		return -1
	}
	return *r
}
