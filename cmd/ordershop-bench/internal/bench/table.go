package bench

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// find returns the single drain result of system at concurrency c.
func (r Report) find(system string, c int) (DrainResult, bool) {
	for _, d := range r.Drains {
		if d.System == system && d.Concurrency == c {
			return d, true
		}
	}
	return DrainResult{}, false
}

// WriteTable prints the report as tables with the ratios and targets.
func (r Report) WriteTable(w io.Writer) {
	fmt.Fprintf(w, "machine: %s; redis %s\n\n", r.Machine, r.Redis)
	r.writeDrains(w)
	r.writeCPU(w)
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "paced, publish→handler start\tp50 ms\tp99 ms\tmax ms\tkept up\ttarget\t\n")
	for _, p := range r.Paced {
		target := "p99 ≤ 1 ms"
		if p.Rate >= 20000 {
			target = "keeps up, p99 ≤ 3 ms"
		}
		fmt.Fprintf(tw, "%d events/s\t%.2f\t%.2f\t%.2f\t%v\t%s\t\n", p.Rate, p.P50ms, p.P99ms, p.MaxMs, p.KeptUp, target)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nidempotency record: %.1f bytes of Redis memory (target ≤ 100)\n", r.Memory.BytesPerRecord)
	for _, s := range r.Shops {
		fmt.Fprintf(w, "\nshop end to end on %s, %d instance(s) of projector and inventory: %d orders, %.0f orders/s with every reaction done (target ≥ 1500); POST p50 %.2f ms, p99 %.2f ms (target ≤ 20)\n",
			s.Redis, s.Instances, s.Orders, s.OrdersPerSec, s.PostP50ms, s.PostP99ms)
		names := make([]string, 0, len(s.RSSIdleMB))
		for n := range s.RSSIdleMB {
			names = append(names, n)
		}
		sort.Strings(names)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "RSS (MB, target idle < 30)\tidle\tunder load\t\n")
		for _, n := range names {
			fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t\n", n, s.RSSIdleMB[n], s.RSSLoadMB[n])
		}
		tw.Flush()
	}
}

func (r Report) writeDrains(w io.Writer) {
	events, payload := 0, 0
	if len(r.Pairs) > 0 && len(r.Pairs[0].A.Runs) > 0 {
		events, payload = r.Pairs[0].A.Runs[0].Events, r.Pairs[0].A.Runs[0].Payload
	}
	fmt.Fprintf(w, "drain, %d events of %d bytes, no-op handler: A B A B A B on fresh streams, median of %d\n", events, payload, PairRounds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "pair A/B\tA median\tA runs (k/s)\tB median\tB runs (k/s)\tA/B\ttarget\t\n")
	for _, p := range r.Pairs {
		fmt.Fprintf(tw, "%s\t%.0f/s\t%s\t%.0f/s\t%s\t%.2f\t≥ %.1f\t\n",
			p.Name, p.A.EventsPerSec, runs(p.A), p.B.EventsPerSec, runs(p.B), p.Ratio, p.Target)
	}
	tw.Flush()
	if len(r.Drains) > 0 {
		fmt.Fprintf(w, "asynq, %d tasks, one run each:", r.Drains[0].Events)
		for _, c := range []int{1, 8} {
			as, ok := r.find("asynq", c)
			if !ok {
				continue
			}
			fmt.Fprintf(w, " concurrency %d %.0f/s", c, as.EventsPerSec)
			if rt, ok := r.series(RuntimeSystem, c, false); ok {
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

// series returns the first pair side of system at concurrency c and emit.
func (r Report) series(system string, c int, emit bool) (Series, bool) {
	for _, p := range r.Pairs {
		for _, s := range []Series{p.A, p.B} {
			if s.System == system && s.Concurrency == c && s.Emit == emit {
				return s, true
			}
		}
	}
	return Series{}, false
}

func (r Report) writeCPU(w io.Writer) {
	if len(r.Pairs) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "CPU per 100,000 events (s), median of %d\tprocess\tredis-server\ttotal\t\n", PairRounds)
	row := func(label string, s Series) {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t\n", label, s.ProcessCPUPer100k, s.RedisCPUPer100k, s.TotalCPUPer100k)
	}
	for _, p := range r.Pairs {
		row(label(p.A), p.A)
	}
	for _, c := range []int{1, 8} {
		if s, ok := r.series(ReferenceSystem, c, false); ok {
			row(label(s), s)
		}
	}
	tw.Flush()
	for _, p := range r.Pairs {
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
