package dashboard

import (
	"testing"
	"time"
)

func TestHistoryConfigDefaultsAndBounds(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg           Config
		every, window time.Duration
		max           int64
	}{
		"defaults":             {Config{}, 10 * time.Second, time.Hour, 361},
		"off":                  {Config{SampleEvery: -1}, 0, time.Hour, 0},
		"window under a round": {Config{SampleEvery: time.Minute, HistoryWindow: time.Second}, time.Minute, time.Minute, 2},
		"five minutes by 30 s": {Config{SampleEvery: 30 * time.Second, HistoryWindow: 5 * time.Minute}, 30 * time.Second, 5 * time.Minute, 11},
	} {
		t.Run(name, func(t *testing.T) {
			hc := newHistoryConfig(tc.cfg)
			if hc.Every != tc.every || hc.Window != tc.window || hc.Key != DefaultKeyPrefix+":history" {
				t.Fatalf("config %+v, want every %s window %s key %s", hc, tc.every, tc.window, DefaultKeyPrefix+":history")
			}
			if hc.Enabled() && hc.MaxSamples() != tc.max {
				t.Errorf("max samples %d, want %d", hc.MaxSamples(), tc.max)
			}
		})
	}
}
