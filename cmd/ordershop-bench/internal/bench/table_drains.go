package bench

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// writePairs prints the throughput of the pairs measured on where.
func writePairs(w io.Writer, where string, pairs []PairResult) {
	if len(pairs) == 0 || len(pairs[0].A.Runs) == 0 {
		return
	}
	first := pairs[0].A.Runs[0]
	fmt.Fprintf(w, "drain on %s, %d events of %d bytes, no-op handler: A B A B A B on fresh streams, median of %d\n",
		where, first.Events, first.Payload, PairRounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "pair A/B\tA median\tA runs (k/s)\tB median\tB runs (k/s)\tA/B\ttarget\t\n")
	for _, p := range pairs {
		fmt.Fprintf(tw, "%s\t%.0f/s\t%s\t%.0f/s\t%s\t%.2f\t≥ %.1f\t\n",
			p.Name, p.A.EventsPerSec, runs(p.A), p.B.EventsPerSec, runs(p.B), p.Ratio, p.Target)
	}
	tw.Flush()
}

// writeAsynq prints the asynq drains beside the runtime's medians.
func (r Report) writeAsynq(w io.Writer) {
	if len(r.Drains) > 0 {
		fmt.Fprintf(w, "asynq, %d tasks, one run each:", r.Drains[0].Events)
		for _, c := range []int{1, 8} {
			as, ok := r.find("asynq", c)
			if !ok {
				continue
			}
			fmt.Fprintf(w, " concurrency %d %.0f/s", c, as.EventsPerSec)
			if rt, ok := seriesOf(r.Pairs, RuntimeSystem, c, false); ok {
				fmt.Fprintf(w, " (runtime/asynq %.1f×)", rt.EventsPerSec/as.EventsPerSec)
			}
			fmt.Fprint(w, ";")
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

// runs lists the events/s of a series' runs, in thousands.
func runs(s Series) string {
	parts := make([]string, len(s.Runs))
	for i, d := range s.Runs {
		parts[i] = fmt.Sprintf("%.0f", d.EventsPerSec/1000)
	}
	return strings.Join(parts, " ")
}

// seriesOf returns the first side of pairs of system at concurrency c
// and emit.
func seriesOf(pairs []PairResult, system string, c int, emit bool) (Series, bool) {
	for _, p := range pairs {
		for _, s := range []Series{p.A, p.B} {
			if s.System == system && s.Concurrency == c && s.Emit == emit {
				return s, true
			}
		}
	}
	return Series{}, false
}

// writeCPU prints the CPU per event of both sides of pairs and the ratios
// of the totals.
func writeCPU(w io.Writer, where string, pairs []PairResult) {
	if len(pairs) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "CPU per 100,000 events (s) on %s, median of %d\tprocess\tredis-server\ttotal\t\n", where, PairRounds)
	row := func(s Series) {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t\n", label(s), s.ProcessCPUPer100k, s.RedisCPUPer100k, s.TotalCPUPer100k)
	}
	for _, p := range pairs {
		row(p.A)
	}
	for _, c := range []int{1, 8} {
		if s, ok := seriesOf(pairs, ReferenceSystem, c, false); ok {
			row(s)
		}
	}
	tw.Flush()
	for _, p := range pairs {
		target := "no target: one XADD per event more"
		if p.CPUTarget > 0 {
			target = fmt.Sprintf("target ≤ %.1f", p.CPUTarget)
		}
		fmt.Fprintf(w, "CPU %s (total): %.2f (%s)\n", p.Name, p.CPURatio, target)
	}
}

// label names a series in the CPU table.
func label(s Series) string {
	l := s.System
	if s.Emit {
		l += " --emit"
	}
	return fmt.Sprintf("%s, concurrency %d", l, s.Concurrency)
}
