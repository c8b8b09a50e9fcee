package bench

import (
	"math"
	"runtime/metrics"
)

// The garbage collector's pauses over a paced run, from runtime/metrics:
// the stop-the-world pauses of GC (a histogram) and the GC cycles.
const (
	gcPausesMetric = "/sched/pauses/total/gc:seconds"
	gcCyclesMetric = "/gc/cycles/total:gc-cycles"
)

// gcSample is the pause histogram and cycle count at one moment.
type gcSample struct {
	counts  []uint64
	buckets []float64
	cycles  uint64
}

// sampleGC reads the GC metrics of this process.
func sampleGC() gcSample {
	s := []metrics.Sample{{Name: gcPausesMetric}, {Name: gcCyclesMetric}}
	metrics.Read(s)
	var g gcSample
	if s[0].Value.Kind() == metrics.KindFloat64Histogram {
		h := s[0].Value.Float64Histogram()
		g.counts, g.buckets = append([]uint64(nil), h.Counts...), h.Buckets
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		g.cycles = s[1].Value.Uint64()
	}
	return g
}

// gcSince returns the GC cycles, the pauses and their p99 and max (upper
// bucket bounds, in ms) from before to after.
func gcSince(before, after gcSample) (cycles, pauses uint64, p99ms, maxMs float64) {
	cycles = after.cycles - before.cycles
	delta := make([]uint64, len(after.counts))
	for i, c := range after.counts {
		delta[i] = c
		if i < len(before.counts) {
			delta[i] -= before.counts[i]
		}
		pauses += delta[i]
	}
	if pauses == 0 {
		return cycles, 0, 0, 0
	}
	upper := func(i int) float64 {
		b := after.buckets[i+1]
		if math.IsInf(b, 1) {
			b = after.buckets[i]
		}
		return b * 1000
	}
	want := uint64(math.Ceil(0.99 * float64(pauses)))
	var seen uint64
	for i, c := range delta {
		if c == 0 {
			continue
		}
		if seen < want && seen+c >= want {
			p99ms = upper(i)
		}
		seen += c
		maxMs = upper(i)
	}
	return cycles, pauses, p99ms, maxMs
}
