package dashboard

import (
	"cmp"
	"time"
)

// DefaultSampleEvery is how often the dashboard samples every function
// when Config sets no SampleEvery.
const DefaultSampleEvery = 10 * time.Second

// DefaultHistoryWindow is how far back the history reaches when Config
// sets no HistoryWindow.
const DefaultHistoryWindow = time.Hour

// historyConfig is the history part of Config, with defaults applied.
type historyConfig struct {
	key    string
	every  time.Duration
	window time.Duration
}

// newHistoryConfig applies the defaults to cfg's history fields: a
// SampleEvery of 0 is DefaultSampleEvery, a negative one disables
// sampling (every is then 0); a window shorter than one interval is one
// interval.
func newHistoryConfig(cfg Config) historyConfig {
	hc := historyConfig{key: cmp.Or(cfg.HistoryKey, cmp.Or(cfg.KeyPrefix, DefaultKeyPrefix)+":history"), window: cmp.Or(max(cfg.HistoryWindow, 0), DefaultHistoryWindow)}
	switch {
	case cfg.SampleEvery < 0:
		return hc
	case cfg.SampleEvery == 0:
		hc.every = DefaultSampleEvery
	default:
		hc.every = cfg.SampleEvery
	}
	hc.window = max(hc.window, hc.every)
	return hc
}

// enabled reports whether the dashboard samples.
func (hc historyConfig) enabled() bool { return hc.every > 0 }

// maxSamples bounds a function's history stream: one sample per interval
// over the window, and the one that starts it.
func (hc historyConfig) maxSamples() int64 { return int64(hc.window/hc.every) + 1 }

// functionKey is the stream of function's samples.
func (hc historyConfig) functionKey(function string) string { return hc.key + ":" + function }

// tickKey is the claim of sampling round bucket.
func (hc historyConfig) tickKey(bucket int64) string {
	return hc.key + ":tick:" + itoa(bucket)
}
