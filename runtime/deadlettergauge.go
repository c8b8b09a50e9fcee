package runtime

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// deadLetterGauge reports, at each scrape, how many entries wait in each
// function's dead-letter stream (XLEN dlq:<function>), so that a growing
// dead-letter stream can be alerted on (ordershop_dead_letters > 0).
// Dead letters are never trimmed: they are kept until an operator replays
// or purges them.
type deadLetterGauge struct {
	rdb       redis.UniversalClient
	functions []string
	desc      *prometheus.Desc
}

// deadLetterScrapeTimeout bounds the XLENs of one scrape.
const deadLetterScrapeTimeout = time.Second

func newDeadLetterGauge(rdb redis.UniversalClient, functions []string) *deadLetterGauge {
	return &deadLetterGauge{rdb: rdb, functions: functions, desc: prometheus.NewDesc(
		"ordershop_dead_letters", "Entries in the function's dead-letter stream dlq:<function>, waiting for replay or purge.",
		[]string{"function"}, nil)}
}

// Describe sends the gauge's description.
func (g *deadLetterGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect reads every function's dead-letter count in one round trip; when
// Redis does not answer in time it reports nothing (no stale value).
func (g *deadLetterGauge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), deadLetterScrapeTimeout)
	defer cancel()
	pipe := g.rdb.Pipeline()
	cmds := make([]*redis.IntCmd, len(g.functions))
	for i, fn := range g.functions {
		cmds[i] = pipe.XLen(ctx, DeadLetterStream(fn))
	}
	_, _ = pipe.Exec(ctx)
	for i, fn := range g.functions {
		if n, err := cmds[i].Result(); err == nil {
			ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(n), fn)
		}
	}
}
