package bench

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/redis/go-redis/v9"
)

// PairRounds is how many times each side of a pair runs: A B A B A B.
const PairRounds = 3

// Series is one side of a pair: its runs and their medians.
type Series struct {
	System      string `json:"system"`
	Concurrency int    `json:"concurrency"`
	Emit        bool   `json:"emit"`
	// Runs are the single drains, in the order they ran.
	Runs []DrainResult `json:"runs"`
	// Medians over Runs (each figure's own median).
	EventsPerSec      float64 `json:"median_events_per_sec"`
	ProcessCPUPer100k float64 `json:"median_process_cpu_s_per_100k"`
	RedisCPUPer100k   float64 `json:"median_redis_cpu_s_per_100k"`
	TotalCPUPer100k   float64 `json:"median_total_cpu_s_per_100k"`
	// AllocsPerEvent, AllocBytesPerEvent and RedisCommands are the
	// medians of the runs' (RedisCommands command by command).
	AllocsPerEvent     float64       `json:"median_allocs_per_event"`
	AllocBytesPerEvent float64       `json:"median_alloc_bytes_per_event"`
	RedisCommands      []CommandCost `json:"median_redis_commands,omitempty"`
}

// PairResult compares A (the runtime) with B (the reference loop), each run
// PairRounds times, interleaved A B A B A B on fresh streams of the same
// number of events, in one run of the suite.
type PairResult struct {
	Name string `json:"name"`
	A    Series `json:"a"`
	B    Series `json:"b"`
	// Ratio is A's median events/s over B's; Target the least wanted.
	Ratio  float64 `json:"ratio"`
	Target float64 `json:"target"`
	// CPURatio is A's median total CPU per event over B's; CPUTarget the
	// most wanted (0: none).
	CPURatio  float64 `json:"cpu_ratio"`
	CPUTarget float64 `json:"cpu_target,omitempty"`
}

// pair describes a pair to run.
type pair struct {
	name              string
	a, b              func() (DrainResult, error)
	target, cpuTarget float64
}

// runPairs runs the pairs of the table on rdb (where names it in log):
// the runtime beside the reference loop at concurrency 1 and 8, and the
// runtime with one emit per event beside the same (no-emit) reference.
func runPairs(ctx context.Context, rdb redis.UniversalClient, base Options, where string, log io.Writer) ([]PairResult, error) {
	with := func(c int, emit bool) Options { x := base; x.Concurrency, x.Emit = c, emit; return x }
	runtimeAt := func(c int, emit bool) func() (DrainResult, error) {
		return func() (DrainResult, error) { return DrainRuntime(ctx, rdb, with(c, emit)) }
	}
	referenceAt := func(c int) func() (DrainResult, error) {
		return func() (DrainResult, error) { return DrainReference(ctx, rdb, with(c, false)) }
	}
	var out []PairResult
	for _, p := range []pair{
		{name: "runtime/reference, concurrency 1", a: runtimeAt(1, false), b: referenceAt(1), target: 0.8, cpuTarget: 1.5},
		{name: "runtime/reference, concurrency 8", a: runtimeAt(8, false), b: referenceAt(8), target: 0.8, cpuTarget: 1.5},
		{name: "runtime --emit/reference, concurrency 8", a: runtimeAt(8, true), b: referenceAt(8), target: 0.5},
	} {
		fmt.Fprintf(log, "drains on %s: %s, A B A B A B …\n", where, p.name)
		r, err := runPair(p, log)
		if err != nil {
			return out, fmt.Errorf("on %s: %w", where, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// runPair runs p's sides A B A B A B, logging each run to log, and takes
// the medians and their ratios.
func runPair(p pair, log io.Writer) (PairResult, error) {
	var as, bs []DrainResult
	for i := range PairRounds {
		for _, side := range []struct {
			label string
			run   func() (DrainResult, error)
			into  *[]DrainResult
		}{{"A", p.a, &as}, {"B", p.b, &bs}} {
			r, err := side.run()
			if err != nil {
				return PairResult{}, fmt.Errorf("%s, %s run %d: %w", p.name, side.label, i+1, err)
			}
			fmt.Fprintf(log, "  %s %d/%d: %s, concurrency %d: %.0f/s, CPU %.2fs + %.2fs per 100k\n",
				side.label, i+1, PairRounds, r.System, r.Concurrency, r.EventsPerSec, r.ProcessCPUPer100k, r.RedisCPUPer100k)
			*side.into = append(*side.into, r)
		}
	}
	a, b := newSeries(as), newSeries(bs)
	return PairResult{Name: p.name, A: a, B: b, Ratio: a.EventsPerSec / b.EventsPerSec, Target: p.target,
		CPURatio: a.TotalCPUPer100k / b.TotalCPUPer100k, CPUTarget: p.cpuTarget}, nil
}

// newSeries takes the medians of runs (at least one).
func newSeries(runs []DrainResult) Series {
	of := func(f func(DrainResult) float64) float64 {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = f(r)
		}
		return median(xs)
	}
	cmdRuns := make([][]CommandCost, len(runs))
	for i, r := range runs {
		cmdRuns[i] = r.RedisCommands
	}
	return Series{
		System: runs[0].System, Concurrency: runs[0].Concurrency, Emit: runs[0].Emit, Runs: runs,
		EventsPerSec:       of(func(r DrainResult) float64 { return r.EventsPerSec }),
		ProcessCPUPer100k:  of(func(r DrainResult) float64 { return r.ProcessCPUPer100k }),
		RedisCPUPer100k:    of(func(r DrainResult) float64 { return r.RedisCPUPer100k }),
		TotalCPUPer100k:    of(DrainResult.TotalCPUPer100k),
		AllocsPerEvent:     of(func(r DrainResult) float64 { return r.AllocsPerEvent }),
		AllocBytesPerEvent: of(func(r DrainResult) float64 { return r.AllocBytesPerEvent }),
		RedisCommands:      medianCosts(cmdRuns),
	}
}

// median returns the middle of xs (the mean of the two middle ones for an
// even count; 0 for none), leaving xs as it was.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
