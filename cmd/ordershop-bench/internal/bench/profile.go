package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
	"github.com/redis/go-redis/v9"
)

// ProfileEntries is how many functions a profile's summary keeps by flat
// and by cumulative time.
const ProfileEntries = 8

// ProfileEntry is one function's CPU in a profile.
type ProfileEntry struct {
	Function string  `json:"function"`
	Seconds  float64 `json:"seconds"`
	// Share is Seconds over the profile's total.
	Share float64 `json:"share"`
}

// ProfileResult is a CPU profile of this process over one extra runtime
// drain (not one of the timed pairs), summarised.
type ProfileResult struct {
	// Drain is the profiled drain's result (its rate is slowed down a
	// little by the profiler: it is not compared with anything).
	Drain DrainResult `json:"drain"`
	// Samples and Seconds are the profile's sample count and CPU total.
	Samples int     `json:"samples"`
	Seconds float64 `json:"seconds"`
	// Flat is the functions with the most CPU in themselves; Cum those
	// with the most in themselves and what they call, leaving out the
	// scheduler's frames that are on every stack (cumFrameSkipped).
	Flat []ProfileEntry `json:"flat"`
	Cum  []ProfileEntry `json:"cum"`
	// GCShare is the share of the garbage collector's background work
	// (runtime.gcBgMarkWorker, cumulative) and MallocShare that of
	// allocation (runtime.mallocgc, cumulative, GC assists included).
	GCShare     float64 `json:"gc_share"`
	MallocShare float64 `json:"malloc_share"`
}

// runProfile drains events with the runtime at concurrency 8 under a CPU
// profile and summarises it.
func runProfile(ctx context.Context, rdb redis.UniversalClient, base Options, events int, log io.Writer) (ProfileResult, error) {
	o := base
	o.Concurrency, o.Events = 8, events
	var buf bytes.Buffer
	o.profile = &buf
	fmt.Fprintf(log, "profile: runtime, concurrency 8, %d events under a CPU profile …\n", events)
	d, err := DrainRuntime(ctx, rdb, o)
	if err != nil {
		return ProfileResult{}, fmt.Errorf("profiled drain: %w", err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		return ProfileResult{}, fmt.Errorf("parse the CPU profile: %w", err)
	}
	r, err := summarise(p, ProfileEntries)
	r.Drain = d
	return r, err
}

// cumFrameSkipped tells the frames left out of the cumulative list: the
// scheduler's and the goroutines' roots, which are on (nearly) every
// stack and say nothing about where the time goes.
func cumFrameSkipped(fn string) bool {
	switch fn {
	case "runtime.goexit", "runtime.main", "runtime.mstart", "runtime.mstart0", "runtime.mstart1",
		"runtime.systemstack", "runtime.mcall", "runtime.schedule", "runtime.park_m", "runtime.goexit0",
		"runtime.morestack", "runtime.newstack", "runtime.gopreempt_m", "runtime.goschedImpl",
		"runtime.findRunnable", "runtime.gosched_m", "runtime.goschedIfBusy", "runtime.park_m.func1":
		return true
	}
	return strings.HasPrefix(fn, "golang.org/x/sync/errgroup.")
}

// summarise sums p's CPU samples by function: flat (the leaf of each
// stack, its innermost inlined line) and cumulative (every function on a
// stack, once per sample), keeping the top n of each.
func summarise(p *profile.Profile, n int) (ProfileResult, error) {
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			idx = i
		}
	}
	if idx < 0 {
		return ProfileResult{}, fmt.Errorf("profile has no cpu sample type (%v)", p.SampleType)
	}
	flat, cum := map[string]int64{}, map[string]int64{}
	var total int64
	for _, s := range p.Sample {
		v := s.Value[idx]
		total += v
		seen := map[string]bool{}
		for li, loc := range s.Location {
			for k, line := range loc.Line {
				if line.Function == nil {
					continue
				}
				fn := line.Function.Name
				if li == 0 && k == 0 {
					flat[fn] += v
				}
				if !seen[fn] && !cumFrameSkipped(fn) {
					seen[fn] = true
					cum[fn] += v
				}
			}
		}
	}
	r := ProfileResult{Samples: len(p.Sample), Seconds: float64(total) / 1e9}
	r.Flat, r.Cum = top(flat, total, n), top(cum, total, n)
	if total > 0 {
		r.GCShare = float64(cum["runtime.gcBgMarkWorker"]) / float64(total)
		r.MallocShare = float64(cum["runtime.mallocgc"]) / float64(total)
	}
	return r, nil
}

// top returns the n largest of ns (nanoseconds) as entries.
func top(ns map[string]int64, total int64, n int) []ProfileEntry {
	out := make([]ProfileEntry, 0, len(ns))
	for fn, v := range ns {
		e := ProfileEntry{Function: fn, Seconds: float64(v) / 1e9}
		if total > 0 {
			e.Share = float64(v) / float64(total)
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Seconds != out[j].Seconds {
			return out[i].Seconds > out[j].Seconds
		}
		return out[i].Function < out[j].Function
	})
	return out[:min(n, len(out))]
}

// shortFunc trims a function's module path for the table.
func shortFunc(fn string) string {
	for _, p := range []string{"github.com/ordershop/functions/", "github.com/redis/go-redis/v9/"} {
		if rest, ok := strings.CutPrefix(fn, p); ok {
			if p == "github.com/redis/go-redis/v9/" {
				return "go-redis/" + rest
			}
			return rest
		}
	}
	if rest, ok := strings.CutPrefix(fn, "github.com/redis/go-redis/v9."); ok {
		return "go-redis." + rest
	}
	return fn
}
