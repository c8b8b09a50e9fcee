package runtime

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ordershop/functions/runtime/internal/engine"
	"github.com/ordershop/functions/runtime/internal/metrics"
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

	collectors *metrics.Collectors
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
	reg := prometheus.NewRegistry()
	return &Metrics{Registry: reg, Namespace: namespace, collectors: metrics.New(reg, namespace)}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// forStream returns the collectors' children for one (function, stream).
func (m *Metrics) forStream(function, stream string) *engine.StreamMetrics {
	return m.collectors.ForStream(function, stream)
}
