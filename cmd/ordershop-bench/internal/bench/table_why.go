package bench

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
)

// scriptNote says how to read a script's line in the command blocks.
const scriptNote = "a script's (EVALSHA's) time includes the commands it calls, which INFO commandstats counts on their own lines too: \"of which inside\" is their share, at their mean time per call"

// commandLine describes a series' redis-server time per event by
// command: "EVALSHA 4.1 (of which inside: HSET 0.6, HMGET 0.5), XREADGROUP 1.1".
func commandLine(s Series) string {
	var inside, parts []string
	for _, c := range s.RedisCommands {
		if c.InsideUsecPerEvent >= 0.05 && !isScriptCommand(c.Command) {
			inside = append(inside, fmt.Sprintf("%s %.1f", strings.ToUpper(c.Command), c.InsideUsecPerEvent))
		}
	}
	byTop := slices.Clone(s.RedisCommands)
	sort.SliceStable(byTop, func(i, j int) bool { return byTop[i].TopLevelUsecPerEvent() > byTop[j].TopLevelUsecPerEvent() })
	for _, c := range byTop {
		us := c.TopLevelUsecPerEvent()
		if us < 0.05 {
			continue
		}
		part := fmt.Sprintf("%s %.1f", strings.ToUpper(c.Command), us)
		if isScriptCommand(c.Command) && len(inside) > 0 {
			part += " (of which inside: " + strings.Join(inside, ", ") + ")"
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "none measured"
	}
	out := strings.Join(parts, ", ")
	if len(s.RedisCommands) > 0 && !s.RedisCommands[0].Sent {
		out += " (this process's own calls not counted: inside and outside scripts not told apart)"
	}
	return out
}

// writeWhyPairs prints, for each pair, redis-server's time per event by
// command and the allocations per event of both sides, and a why line
// under each missed target.
func writeWhyPairs(w io.Writer, pairs []PairResult, prof *ProfileResult, cores int) {
	if len(pairs) == 0 {
		return
	}
	fmt.Fprintf(w, "redis-server µs per event by command (INFO commandstats, drain start to last ack, median of %d; %s):\n", PairRounds, scriptNote)
	for _, p := range pairs {
		fmt.Fprintf(w, "  %s: %s; %s: %s\n", label(p.A), commandLine(p.A), label(p.B), commandLine(p.B))
		fmt.Fprintf(w, "    allocations per event: %s %.1f (%.2f KB), %s %.1f (%.2f KB)\n",
			label(p.A), p.A.AllocsPerEvent, p.A.AllocBytesPerEvent/1024, label(p.B), p.B.AllocsPerEvent, p.B.AllocBytesPerEvent/1024)
	}
	profLine := whyProfile(prof, 4)
	for _, p := range pairs {
		missed := false
		if p.Target > 0 && p.Ratio < p.Target {
			fmt.Fprintln(w, whyThroughput(p, cores))
			missed = true
		}
		if p.CPUTarget > 0 && p.CPURatio > p.CPUTarget {
			fmt.Fprintln(w, whyCPU(p))
			missed = true
		}
		if missed && profLine != "" {
			fmt.Fprintln(w, profLine)
		}
	}
}

// writeProfile prints the CPU profile's top functions by flat and by
// cumulative time.
func writeProfile(w io.Writer, r *ProfileResult) {
	if r == nil {
		return
	}
	fmt.Fprintf(w, "CPU profile of this process over one extra runtime drain (concurrency 8, %d events, %.0f/s under the profiler; not one of the timed runs): %d samples, %.2f s, %.1f allocations and %.2f KB per event; GC %.0f%%, allocation %.0f%% (cumulative)\n",
		r.Drain.Events, r.Drain.EventsPerSec, r.Samples, r.Seconds, r.Drain.AllocsPerEvent, r.Drain.AllocBytesPerEvent/1024, r.GCShare*100, r.MallocShare*100)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  flat\t%%\tfunction\tcum\t%%\tfunction\t\n")
	for i := range max(len(r.Flat), len(r.Cum)) {
		cell := func(es []ProfileEntry) string {
			if i >= len(es) {
				return "\t\t"
			}
			return fmt.Sprintf("%.2fs\t%.1f\t%s", es[i].Seconds, es[i].Share*100, shortFunc(es[i].Function))
		}
		fmt.Fprintf(tw, "  %s\t%s\t\n", cell(r.Flat), cell(r.Cum))
	}
	tw.Flush()
}

// writePacedWhy prints a why line under each paced run that missed.
func writePacedWhy(w io.Writer, paced []PacedResult) {
	for _, p := range paced {
		if line := whyPaced(p, pacedTargetMs(p.Rate)); line != "" {
			fmt.Fprintln(w, line)
		}
	}
}

// pacedTargetMs is the p99 a paced rate should meet.
func pacedTargetMs(rate int) float64 {
	if rate >= 20000 {
		return 3
	}
	return 1
}

// writeShopCPU prints a shop run's CPU per order and the ceiling it
// implies, then a why line under each missed target.
func writeShopCPU(w io.Writer, s ShopResult) {
	c := s.CPU
	if c.Cores == 0 {
		return
	}
	names := make([]string, 0, len(c.ProcessMsPerOrder))
	for n := range c.ProcessMsPerOrder {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names)+1)
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %.2f", n, c.ProcessMsPerOrder[n]))
	}
	parts = append(parts, fmt.Sprintf("redis-server %.2f", c.RedisMsPerOrder))
	fmt.Fprintf(w, "CPU ms per order, first POST to last reaction: %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(w, "total %.2f ms CPU per order → at most %.0f orders/s on %d cores (target %d needs ≤ %.2f ms)\n",
		c.TotalMsPerOrder, c.CeilingOrdersPerSec, c.Cores, ShopTargetOrders, budgetMs(ShopTargetOrders, c.Cores))
	for _, l := range whyShop(s) {
		fmt.Fprintln(w, l)
	}
}
