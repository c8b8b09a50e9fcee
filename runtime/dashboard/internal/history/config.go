// Package history is the dashboard's history of every function's lag and
// throughput: how it is kept (this file), a sample and its entry
// (sample.go), the sampler that writes one a round however many
// dashboards run it (sampler.go), the Redis streams that keep the
// samples bounded in entries and time (store.go), the rates between two
// samples (rates.go) and the columns a chart draws (columns.go).
package history

import "time"

// Config says how the history is kept, with the dashboard's defaults
// applied.
type Config struct {
	// Key starts the Redis keys: Key+":"+function holds a function's
	// samples, Key+":tick:"+round claims a round.
	Key string
	// Every is the sampling interval; 0 disables the history.
	Every time.Duration
	// Window is how far back the history reaches (at least Every when
	// enabled).
	Window time.Duration
}

// Enabled reports whether the dashboard samples.
func (c Config) Enabled() bool { return c.Every > 0 }

// MaxSamples bounds a function's history stream: one sample per
// interval over the window, and the one that starts it.
func (c Config) MaxSamples() int64 { return int64(c.Window/c.Every) + 1 }

// functionKey is the stream of function's samples.
func (c Config) functionKey(function string) string { return c.Key + ":" + function }

// tickKey is the claim of sampling round bucket.
func (c Config) tickKey(bucket int64) string {
	return c.Key + ":tick:" + itoa(bucket)
}
