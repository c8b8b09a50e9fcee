package bench

import (
	"fmt"
	"sort"
	"strings"
)

// The "why" lines: under every missed target, one sentence with the cause
// measured in the same run (the CPU per event and its split by command,
// the profile's top, the allocations, GC pauses, the shop's CPU per order).

// usPerEvent turns CPU seconds per 100,000 events into µs per event.
func usPerEvent(secPer100k float64) float64 { return secPer100k * 10 }

// scriptOwnUsec is the time of a series' scripts (EVALSHA…) less the
// commands they call, per event, and the script command's total.
func scriptCosts(cs []CommandCost) (script, inside float64) {
	for _, c := range cs {
		if isScriptCommand(c.Command) {
			script += c.UsecPerEvent
		} else {
			inside += c.InsideUsecPerEvent
		}
	}
	return script, inside
}

// biggestCommands names the n costliest commands outside scripts (their
// top-level time), as "EVALSHA 4.1, XREADGROUP 1.1".
func biggestCommands(cs []CommandCost, n int) string {
	type c struct {
		name string
		us   float64
	}
	var xs []c
	for _, x := range cs {
		if us := x.TopLevelUsecPerEvent(); us >= 0.05 {
			xs = append(xs, c{strings.ToUpper(x.Command), us})
		}
	}
	sort.SliceStable(xs, func(i, j int) bool { return xs[i].us > xs[j].us })
	parts := make([]string, 0, n)
	for _, x := range xs[:min(n, len(xs))] {
		parts = append(parts, fmt.Sprintf("%s %.1f", x.name, x.us))
	}
	return strings.Join(parts, ", ")
}

// cpuSplit describes a series' CPU per event: "14.9 µs (process 8.4,
// redis-server 6.5: EVALSHA 4.1, XREADGROUP 1.1)".
func cpuSplit(s Series) string {
	out := fmt.Sprintf("%.1f µs (process %.1f, redis-server %.1f", usPerEvent(s.TotalCPUPer100k), usPerEvent(s.ProcessCPUPer100k), usPerEvent(s.RedisCPUPer100k))
	if b := biggestCommands(s.RedisCommands, 2); b != "" {
		out += ": " + b
	}
	return out + ")"
}

// whyThroughput explains a pair whose ratio misses its target, from the
// CPU per event of both sides, on cores.
func whyThroughput(p PairResult, cores int) string {
	a, b := p.A, p.B
	bound := b.TotalCPUPer100k / a.TotalCPUPer100k
	out := fmt.Sprintf("why %s %.2f < %.1f: %s spends %s of CPU per event against %s for %s",
		p.Name, p.Ratio, p.Target, label(a), cpuSplit(a), cpuSplit(b), label(b))
	if bound <= p.Target*1.1 {
		out += fmt.Sprintf("; with both sides using the %d cores, CPU alone bounds the ratio at ≈ %.2f", cores, bound)
	} else {
		out += fmt.Sprintf("; CPU alone would allow ≈ %.2f, so the rest is waiting (round trips, batching), not measured here", bound)
	}
	return out
}

// whyCPU explains a pair whose CPU ratio misses its target: where A's
// extra CPU per event goes.
func whyCPU(p PairResult) string {
	a, b := p.A, p.B
	dp, dr := usPerEvent(a.ProcessCPUPer100k-b.ProcessCPUPer100k), usPerEvent(a.RedisCPUPer100k-b.RedisCPUPer100k)
	out := fmt.Sprintf("why CPU %s %.2f > %.1f: %.1f µs more per event, process %+.1f (%.0f allocations, %.1f KB per event against %.0f, %.1f KB)",
		p.Name, p.CPURatio, p.CPUTarget, dp+dr, dp, a.AllocsPerEvent, a.AllocBytesPerEvent/1024, b.AllocsPerEvent, b.AllocBytesPerEvent/1024)
	out += fmt.Sprintf(", redis-server %+.1f", dr)
	if script, inside := scriptCosts(a.RedisCommands); script > 0 {
		out += fmt.Sprintf(" (scripts %.1f µs, of which %.1f in the commands they call and %.1f their own Lua)", script, inside, script-inside)
	}
	return out
}

// whyProfile adds the profile's heaviest frames to a throughput or CPU
// miss: "top of the profile (flat): runtime.mallocgc 12%, …".
func whyProfile(r *ProfileResult, n int) string {
	if r == nil || len(r.Flat) == 0 {
		return ""
	}
	parts := make([]string, 0, n)
	for _, e := range r.Flat[:min(n, len(r.Flat))] {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", shortFunc(e.Function), e.Share*100))
	}
	return fmt.Sprintf("  the process's profile at concurrency 8: GC %.0f%% and allocation %.0f%% of its CPU (cumulative); heaviest frames (flat): %s",
		r.GCShare*100, r.MallocShare*100, strings.Join(parts, ", "))
}

// whyPaced explains a paced run that misses p99 ≤ targetMs (or did not
// keep up) with what this process measured: its GC pauses.
func whyPaced(p PacedResult, targetMs float64) string {
	if p.P99ms <= targetMs && p.KeptUp {
		return ""
	}
	miss := fmt.Sprintf("p99 %.2f ms > %.0f ms", p.P99ms, targetMs)
	if !p.KeptUp {
		miss = "did not keep up"
		if p.P99ms > targetMs {
			miss += fmt.Sprintf(", p99 %.2f ms > %.0f ms", p.P99ms, targetMs)
		}
	}
	gc := fmt.Sprintf("%d GCs, %d stop-the-world pauses, p99 %.3f ms, max %.3f ms", p.GCCycles, p.GCPauses, p.GCPauseP99ms, p.GCPauseMaxMs)
	if p.GCPauseMaxMs >= p.P99ms-targetMs && p.GCPauseMaxMs > 0 && p.P99ms > targetMs {
		return fmt.Sprintf("why %d events/s %s: GC pauses may account for it (%s)", p.Rate, miss, gc)
	}
	return fmt.Sprintf("why %d events/s %s: no measured cause (%s: too short to explain it)", p.Rate, miss, gc)
}

// ShopTargetOrders and ShopTargetP99ms are the shop's targets.
const (
	ShopTargetOrders = 1500
	ShopTargetP99ms  = 20
)

// whyShop explains the shop's misses from its CPU per order.
func whyShop(s ShopResult) []string {
	var out []string
	c := s.CPU
	if c.Cores == 0 {
		return nil
	}
	if s.OrdersPerSec < ShopTargetOrders {
		line := fmt.Sprintf("why %.0f orders/s < %d: %.2f ms of CPU per order (%s) → at most %.0f orders/s on %d cores (%d needs ≤ %.2f ms)",
			s.OrdersPerSec, ShopTargetOrders, c.TotalMsPerOrder, biggestShopCPU(c, 3), c.CeilingOrdersPerSec, c.Cores, ShopTargetOrders, budgetMs(ShopTargetOrders, c.Cores))
		if c.CeilingOrdersPerSec >= ShopTargetOrders {
			line += "; CPU does not bound it: no measured cause"
		}
		out = append(out, line)
	}
	if s.PostP99ms > ShopTargetP99ms {
		busy := s.OrdersPerSec * c.TotalMsPerOrder / (10 * float64(c.Cores))
		out = append(out, fmt.Sprintf("why POST p99 %.1f ms > %d ms: the cores were %.0f%% busy over the run (%.0f orders/s × %.2f ms CPU each), so requests queue for CPU; nothing else measured",
			s.PostP99ms, ShopTargetP99ms, busy, s.OrdersPerSec, c.TotalMsPerOrder))
	}
	return out
}

// biggestShopCPU names the n processes (redis-server included) with the
// most CPU per order: "redis-server 0.90, gateway 0.61".
func biggestShopCPU(c ShopCPU, n int) string {
	type p struct {
		name string
		ms   float64
	}
	ps := []p{{"redis-server", c.RedisMsPerOrder}}
	for name, ms := range c.ProcessMsPerOrder {
		ps = append(ps, p{name, ms})
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].ms != ps[j].ms {
			return ps[i].ms > ps[j].ms
		}
		return ps[i].name < ps[j].name
	})
	parts := make([]string, 0, n)
	for _, x := range ps[:min(n, len(ps))] {
		parts = append(parts, fmt.Sprintf("%s %.2f", x.name, x.ms))
	}
	return strings.Join(parts, ", ")
}
