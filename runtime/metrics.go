package runtime

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ordershop/functions/runtime/internal/engine"
)

// Metrics holds the runtime's Prometheus collectors and the registry that
// /metrics serves. All series carry the labels function and stream, and
// their names start with the namespace (Config.Namespace):
// <namespace>_events_processed_total, _events_failed_total,
// _events_retried_total, _events_dead_lettered_total, _events_skipped_total,
// _commits_fenced_total, _handler_duration_seconds, _handler_in_flight and
// _dead_letters.
type Metrics struct {
	// Registry is served on /metrics; processes may register their own
	// collectors on it.
	Registry *prometheus.Registry
	// Namespace starts every series name.
	Namespace string

	processed    *prometheus.CounterVec
	failed       *prometheus.CounterVec
	retried      *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	skipped      *prometheus.CounterVec
	fenced       *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	inFlight     *prometheus.GaugeVec
}

// NewMetrics registers the runtime's collectors (and the Go and process
// collectors) on a new registry, named in DefaultNamespace.
func NewMetrics() *Metrics { return NewMetricsIn(DefaultNamespace) }

// NewMetricsIn is NewMetrics with the series named in namespace
// (Config.Namespace; "" means DefaultNamespace).
func NewMetricsIn(namespace string) *Metrics {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	labels := []string{"function", "stream"}
	counter := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		Registry:     prometheus.NewRegistry(),
		Namespace:    namespace,
		processed:    counter("events_processed_total", "Invocations that succeeded and were committed."),
		failed:       counter("events_failed_total", "Invocations that returned an error or panicked."),
		retried:      counter("events_retried_total", "Retries scheduled after a failed invocation."),
		deadLettered: counter("events_dead_lettered_total", "Events written to the dead-letter stream."),
		skipped:      counter("events_skipped_total", "Events acked without running: filtered out, already done, or a replay of a dead letter that has left."),
		fenced: counter("commits_fenced_total",
			"Outcomes not written because another consumer had taken the entry over meanwhile (it runs there)."),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "handler_duration_seconds",
			Help:    "Handler latency, successful or not.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, labels),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "handler_in_flight", Help: "Invocations running now.",
		}, labels),
	}
	m.Registry.MustRegister(m.processed, m.failed, m.retried, m.deadLettered, m.skipped, m.fenced, m.latency, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// forStream returns the children of the runtime's collectors for one
// (function, stream), looked up once instead of per event.
func (m *Metrics) forStream(function, stream string) *engine.StreamMetrics {
	return &engine.StreamMetrics{
		Processed:    m.processed.WithLabelValues(function, stream),
		Failed:       m.failed.WithLabelValues(function, stream),
		Retried:      m.retried.WithLabelValues(function, stream),
		DeadLettered: m.deadLettered.WithLabelValues(function, stream),
		Skipped:      m.skipped.WithLabelValues(function, stream),
		Fenced:       m.fenced.WithLabelValues(function, stream),
		Latency:      m.latency.WithLabelValues(function, stream),
		InFlight:     m.inFlight.WithLabelValues(function, stream),
	}
}
