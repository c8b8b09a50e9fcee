package bench

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

func TestParseCommandStats(t *testing.T) {
	text := "# Commandstats\r\n" +
		"cmdstat_evalsha:calls=10,usec=4100,usec_per_call=410.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_hset:calls=30,usec=600,usec_per_call=20.00,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_client|setname:calls=2,usec=3,usec_per_call=1.50,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_info:calls=5,usec=50,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\n"
	s, err := parseCommandStats(text)
	if err != nil {
		t.Fatal(err)
	}
	if s["evalsha"] != (cmdStat{10, 4100}) || s["hset"] != (cmdStat{30, 600}) || s["client|setname"] != (cmdStat{2, 3}) || len(s) != 4 {
		t.Fatalf("parsed %v", s)
	}
	if _, err := parseCommandStats("cmdstat_xadd:calls=x,usec=1"); err == nil {
		t.Fatal("a bad count parsed")
	}
	// The delta leaves out INFO (the meter's own calls) and what did not move.
	before := cmdStats{"evalsha": {4, 1000}, "hset": {30, 600}, "info": {1, 5}}
	d := s.since(before)
	if len(d) != 2 || d["evalsha"] != (cmdStat{6, 3100}) || d["client|setname"] != (cmdStat{2, 3}) {
		t.Fatalf("delta %v", d)
	}
}

func TestCommandCostsSplitScriptsFromSentCalls(t *testing.T) {
	delta := cmdStats{"evalsha": {10, 4000}, "hset": {100, 1000}, "xreadgroup": {20, 500}}
	// This process sent the EVALSHAs, 20 XREADGROUPs and 25 HSETs of its own.
	costs := commandCosts(delta, map[string]int64{"evalsha": 10, "xreadgroup": 20, "hset": 25}, 1000)
	if costs[0].Command != "evalsha" || costs[0].UsecPerEvent != 4 || costs[0].InsideUsecPerEvent != 0 {
		t.Fatalf("costs %+v", costs)
	}
	var hset CommandCost
	for _, c := range costs {
		if c.Command == "hset" {
			hset = c
		}
	}
	if math.Abs(hset.InsideUsecPerEvent-0.75) > 1e-9 || math.Abs(hset.TopLevelUsecPerEvent()-0.25) > 1e-9 || hset.CallsPerEvent != 0.1 {
		t.Fatalf("hset %+v", hset)
	}
	got := commandLine(Series{RedisCommands: costs})
	if got != "EVALSHA 4.0 (of which inside: HSET 0.8), XREADGROUP 0.5, HSET 0.2" && got != "EVALSHA 4.0 (of which inside: HSET 0.8), XREADGROUP 0.5, HSET 0.3" {
		t.Fatalf("command line %q", got)
	}
	// Without this process's counts, nothing is called inside.
	if c := commandCosts(delta, nil, 1000); c[0].Sent || c[1].InsideUsecPerEvent != 0 {
		t.Fatalf("uncounted costs %+v", c)
	}
	m := medianCosts([][]CommandCost{{{Command: "xack", UsecPerEvent: 1}}, {{Command: "xack", UsecPerEvent: 3}}, {{Command: "xadd", UsecPerEvent: 9}}})
	// A command missing from a run counts 0 there: xack 1 3 0, xadd 9 0 0.
	if len(m) != 2 || m[0].Command != "xack" || m[0].UsecPerEvent != 1 || m[1].Command != "xadd" || m[1].UsecPerEvent != 0 {
		t.Fatalf("medians %+v", m)
	}
}

func TestParseProcStat(t *testing.T) {
	// A command name with a space and a parenthesis, as the kernel allows.
	text := "4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 905 0 0 0 1234 567 0 0 20 0 5 0 100 0 0\n"
	u, s, err := parseProcStat(text)
	if err != nil || u != 1234 || s != 567 {
		t.Fatalf("utime %d stime %d, %v", u, s, err)
	}
	if _, _, err := parseProcStat("4242 (x) S 1 2"); err == nil {
		t.Fatal("a short stat parsed")
	}
	auxv := make([]byte, 48)
	binary.LittleEndian.PutUint64(auxv[0:], 6) // AT_PAGESZ
	binary.LittleEndian.PutUint64(auxv[8:], 4096)
	binary.LittleEndian.PutUint64(auxv[16:], atClkTck)
	binary.LittleEndian.PutUint64(auxv[24:], 250)
	if v, ok := parseAuxvClkTck(auxv); !ok || v != 250 {
		t.Fatalf("AT_CLKTCK %d %v", v, ok)
	}
	if clockTicks() != 100 { // what `getconf CLK_TCK` prints on Linux
		t.Fatalf("clock ticks %d", clockTicks())
	}
	// This process's own figure agrees with getrusage.
	self, err := procCPU(os.Getpid())
	if err != nil || math.Abs(self-processCPU()) > 0.05 {
		t.Fatalf("/proc says %.2fs, getrusage %.2fs (%v)", self, processCPU(), err)
	}
}

func TestWhyLinesWording(t *testing.T) {
	rt := Series{System: RuntimeSystem, Concurrency: 8, ProcessCPUPer100k: 0.84, RedisCPUPer100k: 0.65, TotalCPUPer100k: 1.49,
		AllocsPerEvent: 29, AllocBytesPerEvent: 3584,
		RedisCommands: []CommandCost{{Command: "evalsha", UsecPerEvent: 4.1, Sent: true}, {Command: "hset", UsecPerEvent: 0.6, InsideUsecPerEvent: 0.6, Sent: true}, {Command: "xreadgroup", UsecPerEvent: 1.1, Sent: true}}}
	ref := Series{System: ReferenceSystem, Concurrency: 8, ProcessCPUPer100k: 0.17, RedisCPUPer100k: 0.15, TotalCPUPer100k: 0.32,
		AllocsPerEvent: 13, AllocBytesPerEvent: 819, RedisCommands: []CommandCost{{Command: "xreadgroup", UsecPerEvent: 1.2, Sent: true}, {Command: "xack", UsecPerEvent: 0.3, Sent: true}}}
	p := PairResult{Name: "runtime/reference, concurrency 8", A: rt, B: ref, Ratio: 0.22, Target: 0.8, CPURatio: 4.66, CPUTarget: 1.5}
	want := "why runtime/reference, concurrency 8 0.22 < 0.8: runtime, concurrency 8 spends 14.9 µs (process 8.4, redis-server 6.5: EVALSHA 4.1, XREADGROUP 1.1) of CPU per event" +
		" against 3.2 µs (process 1.7, redis-server 1.5: XREADGROUP 1.2, XACK 0.3) for reference loop, concurrency 8; with both sides using the 2 cores, CPU alone bounds the ratio at ≈ 0.21"
	if got := whyThroughput(p, 2); got != want {
		t.Errorf("throughput why:\n got %s\nwant %s", got, want)
	}
	want = "why CPU runtime/reference, concurrency 8 4.66 > 1.5: 11.7 µs more per event, process +6.7 (29 allocations, 3.5 KB per event against 13, 0.8 KB)" +
		", redis-server +5.0 (scripts 4.1 µs, of which 0.6 in the commands they call and 3.5 their own Lua)"
	if got := whyCPU(p); got != want {
		t.Errorf("CPU why:\n got %s\nwant %s", got, want)
	}
	paced := PacedResult{Rate: 5000, P99ms: 1.05, KeptUp: true, GCCycles: 12, GCPauses: 24, GCPauseP99ms: 0.06, GCPauseMaxMs: 0.07}
	if got := whyPaced(paced, 1); got != "why 5000 events/s p99 1.05 ms > 1 ms: GC pauses may account for it (12 GCs, 24 stop-the-world pauses, p99 0.060 ms, max 0.070 ms)" {
		t.Errorf("paced why: %s", got)
	}
	paced.GCPauseMaxMs = 0.02
	if got := whyPaced(paced, 1); !strings.Contains(got, "no measured cause") {
		t.Errorf("paced why without cause: %s", got)
	}
	if got := whyPaced(PacedResult{Rate: 20000, P99ms: 2, KeptUp: true}, 3); got != "" {
		t.Errorf("a met target got a why line: %s", got)
	}
	shop := ShopResult{OrdersPerSec: 781, PostP99ms: 22,
		CPU: newShopCPU(shopCPUSample{procs: map[string]float64{"gateway": 1, "projector": 2}, self: 10, rdis: 5},
			shopCPUSample{procs: map[string]float64{"gateway": 7, "projector": 5}, self: 11, rdis: 19}, 10_000, 2)}
	if c := shop.CPU; math.Abs(c.TotalMsPerOrder-2.4) > 1e-9 || math.Abs(c.CeilingOrdersPerSec-833.33) > 0.01 || c.ProcessMsPerOrder[LoadGenerator] != 0.1 {
		t.Fatalf("shop CPU %+v", c)
	}
	lines := whyShop(shop)
	if len(lines) != 2 || lines[0] != "why 781 orders/s < 1500: 2.40 ms of CPU per order (redis-server 1.40, gateway 0.60, projector 0.30) → at most 833 orders/s on 2 cores (1500 needs ≤ 1.33 ms)" ||
		!strings.HasPrefix(lines[1], "why POST p99 22.0 ms > 20 ms: the cores were 94% busy") {
		t.Errorf("shop why:\n%s", strings.Join(lines, "\n"))
	}
}

// A real drain counts its Redis commands (the runtime's scripts, the
// reference's XREADGROUP and XACK), its allocations, and a profiled drain
// yields a profile with frames of the runtime.
func TestDrainsMeasureCommandsAllocationsAndProfile(t *testing.T) {
	rdb := kit.Redis.Client(t)
	CountSent(rdb)
	ctx := context.Background()
	o := Options{Events: 3000, Concurrency: 4, Payload: 64, Timeout: time.Minute}
	ref, err := DrainReference(ctx, rdb, o)
	if err != nil {
		t.Fatal(err)
	}
	has := func(cs []CommandCost, name string) bool {
		for _, c := range cs {
			if c.Command == name && c.UsecPerEvent > 0 && c.Sent {
				return true
			}
		}
		return false
	}
	if !has(ref.RedisCommands, "xreadgroup") || !has(ref.RedisCommands, "xack") || ref.AllocsPerEvent <= 0 {
		t.Fatalf("reference %+v", ref)
	}
	p, err := runProfile(ctx, rdb, o, 20_000, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	if !has(p.Drain.RedisCommands, "evalsha") || p.Samples == 0 || len(p.Flat) == 0 || len(p.Cum) == 0 {
		t.Fatalf("profile %+v", p)
	}
	for _, e := range p.Cum {
		if cumFrameSkipped(e.Function) {
			t.Errorf("cumulative list has %s", e.Function)
		}
	}
	var inside float64
	for _, c := range p.Drain.RedisCommands {
		inside += c.InsideUsecPerEvent
	}
	if inside <= 0 {
		t.Errorf("no command counted inside the scripts: %+v", p.Drain.RedisCommands)
	}
}

// summarise counts a sample's leaf as flat, every function on its stack
// once as cumulative (an inlined and a recursive frame included), and
// leaves the scheduler's roots out of the cumulative list.
func TestSummariseProfile(t *testing.T) {
	fn := map[string]*profile.Function{}
	loc := func(names ...string) *profile.Location {
		l := &profile.Location{}
		for _, n := range names {
			if fn[n] == nil {
				fn[n] = &profile.Function{Name: n}
			}
			l.Line = append(l.Line, profile.Line{Function: fn[n]})
		}
		return l
	}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			// json.checkValid inlined into decode, called by the reader, twice deep.
			{Value: []int64{3, 30e6}, Location: []*profile.Location{loc("encoding/json.checkValid", "x/engine.decode"), loc("x/engine.read"), loc("x/engine.read"), loc("runtime.goexit")}},
			{Value: []int64{1, 10e6}, Location: []*profile.Location{loc("runtime.mallocgc"), loc("x/engine.decode"), loc("runtime.goexit")}},
		},
	}
	r, err := summarise(p, 3)
	if err != nil {
		t.Fatal(err)
	}
	if r.Samples != 2 || math.Abs(r.Seconds-0.04) > 1e-9 || r.MallocShare != 0.25 {
		t.Fatalf("summary %+v", r)
	}
	if len(r.Flat) != 2 || r.Flat[0].Function != "encoding/json.checkValid" || r.Flat[0].Share != 0.75 {
		t.Fatalf("flat %+v", r.Flat)
	}
	if len(r.Cum) != 3 || r.Cum[0].Function != "x/engine.decode" || r.Cum[0].Seconds != 0.04 || r.Cum[1].Function != "encoding/json.checkValid" || r.Cum[2].Function != "x/engine.read" || r.Cum[2].Seconds != 0.03 {
		t.Fatalf("cum %+v", r.Cum)
	}
	if _, err := summarise(&profile.Profile{SampleType: []*profile.ValueType{{Type: "alloc_space"}}}, 3); err == nil {
		t.Fatal("a profile without cpu summarised")
	}
}
