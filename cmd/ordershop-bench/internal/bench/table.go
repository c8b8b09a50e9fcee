package bench

import (
	"fmt"
	"io"
	"sort"
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
	writePairs(w, "one node", r.Pairs)
	r.writeAsynq(w)
	writeCPU(w, "one node", r.Pairs)
	fmt.Fprintln(w)
	writeWhyPairs(w, r.Pairs, r.Profile, numCPU())
	if r.Profile != nil {
		fmt.Fprintln(w)
		writeProfile(w, r.Profile)
	}
	if len(r.ClusterPairs) > 0 {
		fmt.Fprintln(w)
		writePairs(w, "the 3-master Cluster", r.ClusterPairs)
		fmt.Fprintln(w)
		writeCPU(w, "the 3-master Cluster", r.ClusterPairs)
		fmt.Fprintln(w)
		writeWhyPairs(w, r.ClusterPairs, r.Profile, numCPU())
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "paced, publish→handler start\tp50 ms\tp99 ms\tmax ms\tkept up\ttarget\tGCs\tGC pause p99 ms\t\n")
	for _, p := range r.Paced {
		target := "p99 ≤ 1 ms"
		if p.Rate >= 20000 {
			target = "keeps up, p99 ≤ 3 ms"
		}
		fmt.Fprintf(tw, "%d events/s\t%.2f\t%.2f\t%.2f\t%v\t%s\t%d\t%.3f\t\n", p.Rate, p.P50ms, p.P99ms, p.MaxMs, p.KeptUp, target, p.GCCycles, p.GCPauseP99ms)
	}
	tw.Flush()
	writePacedWhy(w, r.Paced)
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
		writeShopCPU(w, s)
	}
}
