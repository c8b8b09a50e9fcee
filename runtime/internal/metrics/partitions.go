package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// partitions are the series of leased functions' partition ownership,
// registered the first time a function needs them:
// <namespace>_partitions_held{function} and
// <namespace>_partition_changes_total{function,kind}, kind being
// acquired, released, lost or taken_over (acquired with entries that
// another tenure left pending).
type partitions struct {
	once    sync.Once
	held    *prometheus.GaugeVec
	changes *prometheus.CounterVec
}

// partitionSeries returns the partition series, registered on first use.
func (c *Collectors) partitionSeries() *partitions {
	p := &c.partitions
	p.once.Do(func() {
		p.held = prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: c.namespace, Name: "partitions_held",
			Help: "Partitions of a leased (ordered, partitioned) function this instance holds.",
		}, []string{"function"})
		p.changes = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: c.namespace, Name: "partition_changes_total",
			Help: "Partition ownership changes on this instance: acquired, released (handed over or at shutdown), lost (lease passed on or expired), taken_over (acquired with entries another tenure left pending).",
		}, []string{"function", "kind"})
		c.registry.MustRegister(p.held, p.changes)
	})
	return p
}

// PartitionsHeld sets how many partitions of function this instance holds.
func (c *Collectors) PartitionsHeld(function string, n int) {
	c.partitionSeries().held.WithLabelValues(function).Set(float64(n))
}

// PartitionChange counts one ownership change of a partition of function.
func (c *Collectors) PartitionChange(function, kind string) {
	c.partitionSeries().changes.WithLabelValues(function, kind).Inc()
}
