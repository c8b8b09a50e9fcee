package dashboard

import (
	"cmp"
	"context"
	"time"

	"github.com/ordershop/functions/runtime/dashboard/internal/history"
)

// DefaultSampleEvery is how often the dashboard samples every function
// when Config sets no SampleEvery.
const DefaultSampleEvery = 10 * time.Second

// DefaultHistoryWindow is how far back the history reaches when Config
// sets no HistoryWindow.
const DefaultHistoryWindow = time.Hour

// newHistoryConfig applies the defaults to cfg's history fields: a
// SampleEvery of 0 is DefaultSampleEvery, a negative one disables
// sampling (Every is then 0); a window shorter than one interval is one
// interval.
func newHistoryConfig(cfg Config) history.Config {
	hc := history.Config{Key: cmp.Or(cfg.HistoryKey, cmp.Or(cfg.KeyPrefix, DefaultKeyPrefix)+":history"), Window: cmp.Or(max(cfg.HistoryWindow, 0), DefaultHistoryWindow)}
	switch {
	case cfg.SampleEvery < 0:
		return hc
	case cfg.SampleEvery == 0:
		hc.Every = DefaultSampleEvery
	default:
		hc.Every = cfg.SampleEvery
	}
	hc.Window = max(hc.Window, hc.Every)
	return hc
}

// Run samples every function once per Config.SampleEvery, on the
// interval's boundaries, into the history the overview charts, until ctx
// ends; it then returns nil. With sampling disabled (a negative
// SampleEvery) it returns nil at once. A round that fails (Redis down) is
// logged and skipped; Run carries on with the next.
//
// Run it beside the server that serves the Handler, for as long as it
// serves it (the gateway runs it as a runtime.Setup Background task). Any
// number of dashboards on one Redis may run it: the first to claim a
// round samples it, so the history gets one sample per interval.
func (h *Handler) Run(ctx context.Context) error { return h.sampler.Run(ctx) }
