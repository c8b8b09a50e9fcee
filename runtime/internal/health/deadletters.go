package health

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordershop/functions/runtime/internal/rdb"
)

// DeadLetterGauge reports, at each scrape, how many entries wait in each
// function's dead-letter stream (XLEN dlq:<function>), so that a growing
// dead-letter stream can be alerted on (<namespace>_dead_letters > 0).
// Dead letters are never trimmed: they are kept until an operator replays
// or purges them. It runs on no goroutine of its own: Prometheus calls
// Collect at each scrape.
type DeadLetterGauge struct {
	rdb       *rdb.RDB
	functions []string
	desc      *prometheus.Desc
}

// deadLetterScrapeTimeout bounds the XLENs of one scrape.
const deadLetterScrapeTimeout = time.Second

// NewDeadLetterGauge returns the gauge <namespace>_dead_letters of
// functions.
func NewDeadLetterGauge(r *rdb.RDB, namespace string, functions []string) *DeadLetterGauge {
	return &DeadLetterGauge{rdb: r, functions: functions, desc: prometheus.NewDesc(
		prometheus.BuildFQName(namespace, "", "dead_letters"),
		"Entries in the function's dead-letter stream dlq:<function>, waiting for replay or purge.",
		[]string{"function"}, nil)}
}

// Describe sends the gauge's description.
func (g *DeadLetterGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect reads every function's dead-letter count in one round trip; when
// Redis does not answer in time it reports nothing (no stale value).
func (g *DeadLetterGauge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), deadLetterScrapeTimeout)
	defer cancel()
	counts := g.rdb.DeadLetterCounts(ctx, g.functions)
	for _, fn := range g.functions {
		if n, ok := counts[fn]; ok {
			ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(n), fn)
		}
	}
}
