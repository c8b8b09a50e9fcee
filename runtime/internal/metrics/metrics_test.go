package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// gathered returns the value of every series of name in reg, by its first
// label's value.
func gathered(t *testing.T, reg *prometheus.Registry, name string) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			out[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	return out
}

// TestPartitionSeriesAreRegisteredOnFirstUse: no partition series until a
// function holds partitions; then both, named in the namespace.
func TestPartitionSeriesAreRegisteredOnFirstUse(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := New(reg, "ns")
	if got := gathered(t, reg, "ns_partitions_held"); len(got) != 0 {
		t.Fatalf("before any use: %v, want no partition series", got)
	}
	c.PartitionsHeld("f", 3)
	c.PartitionChange("f", "acquired")
	c.PartitionChange("f", "acquired")
	if got := gathered(t, reg, "ns_partitions_held"); got["f"] != 3 {
		t.Fatalf("ns_partitions_held: %v, want f at 3", got)
	}
	if got := gathered(t, reg, "ns_partition_changes_total"); got["f"] != 2 {
		t.Fatalf("ns_partition_changes_total: %v, want f at 2", got)
	}
}
