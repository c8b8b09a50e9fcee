package bench

import (
	"context"
	"io"
	"slices"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{5, 100, 1}, 5},
		{[]float64{7}, 7},
		{[]float64{4, 1, 3, 2}, 2.5},
		{nil, 0},
	} {
		in := slices.Clone(c.xs)
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", in, got, c.want)
		}
		if !slices.Equal(in, c.xs) {
			t.Errorf("median reordered its input: %v, was %v", c.xs, in)
		}
	}
}

func TestPairRunsInterleavedAndTakesMedians(t *testing.T) {
	var order []string
	feed := func(side string, rates, cpu []float64) func() (DrainResult, error) {
		i := 0
		return func() (DrainResult, error) {
			order = append(order, side)
			r := DrainResult{System: side, Concurrency: 8, EventsPerSec: rates[i], ProcessCPUPer100k: cpu[i], RedisCPUPer100k: 1}
			i++
			return r, nil
		}
	}
	p, err := runPair(pair{name: "a/b", target: 0.8, cpuTarget: 1.5,
		a: feed("a", []float64{100, 300, 200}, []float64{9, 3, 5}),
		b: feed("b", []float64{1000, 100, 400}, []float64{1, 2, 3})}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "b", "a", "b", "a", "b"}; !slices.Equal(order, want) {
		t.Fatalf("ran %v, want %v", order, want)
	}
	if len(p.A.Runs) != 3 || len(p.B.Runs) != 3 || p.A.Runs[1].EventsPerSec != 300 {
		t.Fatalf("runs not kept in order: %+v", p)
	}
	if p.A.EventsPerSec != 200 || p.B.EventsPerSec != 400 || p.Ratio != 0.5 {
		t.Fatalf("medians %v, %v and ratio %v, want 200, 400 and 0.5", p.A.EventsPerSec, p.B.EventsPerSec, p.Ratio)
	}
	if p.A.ProcessCPUPer100k != 5 || p.A.RedisCPUPer100k != 1 || p.A.TotalCPUPer100k != 6 || p.B.TotalCPUPer100k != 3 || p.CPURatio != 2 {
		t.Fatalf("CPU medians %+v / %+v, ratio %v; want totals 6 and 3, ratio 2", p.A, p.B, p.CPURatio)
	}
	if p.Target != 0.8 || p.CPUTarget != 1.5 || p.A.System != "a" || p.B.Concurrency != 8 {
		t.Fatalf("pair %+v", p)
	}
}

// TestPairsOnCluster: the suite's pairs run on a Cluster too (the suite's
// --cluster), each side three times with its CPU measured, and the Redis
// CPU of a Cluster is that of every master.
func TestPairsOnCluster(t *testing.T) {
	rdb, nodes := twoMasters(t)
	ctx := context.Background()
	pairs, err := runPairs(ctx, rdb, Options{Events: 2000, Payload: 64, Timeout: time.Minute}, "the cluster", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 3 || !pairs[2].A.Emit || pairs[0].A.Concurrency != 1 || pairs[1].B.Concurrency != 8 {
		t.Fatalf("pairs %+v", pairs)
	}
	for _, p := range pairs {
		if p.A.System != RuntimeSystem || p.B.System != ReferenceSystem || len(p.A.Runs) != PairRounds || len(p.B.Runs) != PairRounds ||
			p.Ratio <= 0 || p.CPURatio <= 0 || p.A.RedisCPUPer100k <= 0 || p.B.ProcessCPUPer100k <= 0 {
			t.Fatalf("pair %s: %+v", p.Name, p)
		}
	}
	sum := 0.0
	for _, n := range nodes {
		c, err := redisCPU(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		sum += c
	}
	all, err := redisCPU(ctx, rdb)
	if err != nil || all < sum || all > sum+0.02 {
		t.Fatalf("CPU of the cluster %.3fs (%v), of its masters one by one %.3fs", all, err, sum)
	}
}
