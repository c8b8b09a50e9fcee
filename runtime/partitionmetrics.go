package runtime

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// partitionMetrics are the series of leased functions' partition
// ownership, registered on a Metrics' registry the first time a function
// of it needs them: <namespace>_partitions_held{function} and
// <namespace>_partition_changes_total{function,kind}, kind being
// acquired, released, lost or taken_over (acquired with entries that
// another tenure left pending).
type partitionMetrics struct {
	held    *prometheus.GaugeVec
	changes *prometheus.CounterVec
}

var partitionMetricsOf sync.Map // *Metrics → *partitionMetrics

func (m *Metrics) partitions() *partitionMetrics {
	if pm, ok := partitionMetricsOf.Load(m); ok {
		return pm.(*partitionMetrics)
	}
	pm := &partitionMetrics{
		held: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: m.Namespace, Name: "partitions_held",
			Help: "Partitions of a leased (ordered, partitioned) function this instance holds.",
		}, []string{"function"}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: m.Namespace, Name: "partition_changes_total",
			Help: "Partition ownership changes on this instance: acquired, released (handed over or at shutdown), lost (lease passed on or expired), taken_over (acquired with entries another tenure left pending).",
		}, []string{"function", "kind"}),
	}
	if actual, loaded := partitionMetricsOf.LoadOrStore(m, pm); loaded {
		return actual.(*partitionMetrics)
	}
	m.Registry.MustRegister(pm.held, pm.changes)
	return pm
}

// PartitionsHeld sets the partitions held gauge.
func (h *host) PartitionsHeld(n int) {
	h.metrics.partitions().held.WithLabelValues(h.fn.Name).Set(float64(n))
}

// PartitionEvent counts one ownership change (of any partition: the
// partition is in the log line, not in a label).
func (h *host) PartitionEvent(kind string, _ int) {
	h.metrics.partitions().changes.WithLabelValues(h.fn.Name, kind).Inc()
}
