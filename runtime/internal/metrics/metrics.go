// Package metrics holds the runtime's Prometheus collectors: the series
// of every (function, stream), registered with the Go and process
// collectors on one registry (runtime.Metrics serves it on /metrics).
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ordershop/functions/runtime/internal/engine"
)

// Collectors are the runtime's collectors, labelled function and stream,
// their names starting with the namespace.
type Collectors struct {
	processed    *prometheus.CounterVec
	failed       *prometheus.CounterVec
	retried      *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	skipped      *prometheus.CounterVec
	fenced       *prometheus.CounterVec
	unreplicated *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	inFlight     *prometheus.GaugeVec

	// registry and namespace serve the series registered later
	// (partitions).
	registry   *prometheus.Registry
	namespace  string
	partitions partitions
}

// New registers the runtime's collectors (and the Go and process
// collectors) on reg, named in namespace.
func New(reg *prometheus.Registry, namespace string) *Collectors {
	labels := []string{"function", "stream"}
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}
	c := &Collectors{
		registry: reg, namespace: namespace,
		processed:    counter("events_processed_total", "Invocations that succeeded and were committed."),
		failed:       counter("events_failed_total", "Invocations that returned an error or panicked."),
		retried:      counter("events_retried_total", "Retries scheduled after a failed invocation."),
		deadLettered: counter("events_dead_lettered_total", "Events written to the dead-letter stream."),
		skipped:      counter("events_skipped_total", "Events acked without running: filtered out, already done, or a replay of a dead letter that has left."),
		fenced: counter("commits_fenced_total",
			"Outcomes not written because another consumer had taken the entry over meanwhile (it runs there)."),
		unreplicated: counter("commits_unreplicated_total",
			"Outcomes committed on the master but acknowledged by fewer replicas than COMMIT_REPLICAS within COMMIT_REPLICAS_TIMEOUT (a failover now may lose them; their entries are then redelivered)."),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "handler_duration_seconds",
			Help:    "Handler latency, successful or not.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, labels),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "handler_in_flight", Help: "Invocations running now.",
		}, labels),
	}
	reg.MustRegister(c.processed, c.failed, c.retried, c.deadLettered, c.skipped, c.fenced, c.unreplicated, c.latency, c.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return c
}

// ForStream returns the children of the collectors for one (function,
// stream), looked up once instead of per event.
func (c *Collectors) ForStream(function, stream string) *engine.StreamMetrics {
	return &engine.StreamMetrics{
		Processed:    c.processed.WithLabelValues(function, stream),
		Failed:       c.failed.WithLabelValues(function, stream),
		Retried:      c.retried.WithLabelValues(function, stream),
		DeadLettered: c.deadLettered.WithLabelValues(function, stream),
		Skipped:      c.skipped.WithLabelValues(function, stream),
		Fenced:       c.fenced.WithLabelValues(function, stream),
		Unreplicated: c.unreplicated.WithLabelValues(function, stream),
		Latency:      c.latency.WithLabelValues(function, stream),
		InFlight:     c.inFlight.WithLabelValues(function, stream),
	}
}
