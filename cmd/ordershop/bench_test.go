package main

import (
	"encoding/json"
	"testing"

	"github.com/ordershop/functions/internal/bench"
)

func TestBenchDrainJSON(t *testing.T) {
	code, out, errOut := cli(t, nil, "bench", "--events", "2000", "--concurrency", "4", "--emit", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Rate        float64 `json:"drain_events_per_sec"`
		Events      int     `json:"events"`
		Concurrency int     `json:"concurrency"`
		Emit        bool    `json:"emit"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Rate <= 0 || r.Events != 2000 || r.Concurrency != 4 || !r.Emit {
		t.Fatalf("result %+v", r)
	}
}

func TestBenchPacedJSON(t *testing.T) {
	code, out, errOut := cli(t, nil, "bench", "--rate", "500", "--duration", "1s", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r bench.PacedResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Published != 500 || r.P50ms <= 0 || r.P99ms < r.P50ms || r.MaxMs < r.P99ms {
		t.Fatalf("result %+v from %s", r, out)
	}
}

func TestBenchRejectsUnboundedRuns(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--rate", "100"},
		{"bench", "--events", "0"},
		{"bench", "--rate", "1000000", "--duration", "1s"},
		{"bench", "--duration", "1h", "--rate", "10"},
	} {
		if code, _, _ := cli(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage)", args, code)
		}
	}
}
